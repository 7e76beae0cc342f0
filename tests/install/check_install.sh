#!/usr/bin/env bash
# tests/install/check_install.sh BUILD_DIR SRC_DIR — the install contract:
# install into a fresh prefix, check the layout of ARCHITECTURE.md, then
# build a program against it with find_package(gomm) and with pkg-config,
# and run both, and the installed `gomm version`.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(cd "$prefix" && dirname "$(find . -name libgomm.a | head -1)")
for f in bin/gomm include/gomm/gomm.h include/gomm/alloc.h include/gomm/race.h \
         include/gomm/version.h "$libdir/libgomm.a" "$libdir/libgomm.so" \
         "$libdir/libgomm_malloc.so" "$libdir/pkgconfig/gomm.pc" \
         "$libdir/libgomm_race.a" "$libdir/libgomm_race.so" "$libdir/pkgconfig/gomm-race.pc" \
         "$libdir/libgomm_race_cc.a" "$libdir/gomm/race-interceptors.dynlist" \
         "$libdir/cmake/gomm/gommConfig.cmake"; do
  [ -e "$prefix/$f" ] || { echo "missing from the install: $f" >&2; exit 1; }
done
"$prefix/bin/gomm" version | grep -q '^gomm version '
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/consumer/consumer_shared"
"$tmp/consumer/consumer_static"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
cc "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs gomm) -o "$tmp/consumer_pc"
LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/consumer_pc"
# the race build reports the consumer's race and exits 66
expect_race() {
  local rc=0 out
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" = 66 ] || { echo "race consumer $*: exit $rc, want 66" >&2; echo "$out" >&2; exit 1; }
  grep -q 'WARNING: ThreadSanitizer: data race' <<<"$out" || { echo "no race report from $*" >&2; exit 1; }
}
expect_race env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/consumer/consumer_race"
expect_race "$tmp/consumer/consumer_race_static"
cc "$src/tests/install/consumer/race.c" $(pkg-config --cflags --libs gomm-race) -o "$tmp/consumer_race_pc"
expect_race env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/consumer_race_pc"
# the installed gomm cc instruments a plain pthreads program and gomm run gates on it
printf '%s\n' '#include <pthread.h>' 'static int x;' \
  'static void *w(void *a) { (void)a; x++; return 0; }' \
  'int main(void) { pthread_t t; pthread_create(&t, 0, w, 0); x++; pthread_join(t, 0); return 0; }' \
  > "$tmp/pt.c"
"$prefix/bin/gomm" cc -g -O1 "$tmp/pt.c" -o "$tmp/pt"
rc=0
"$prefix/bin/gomm" run --format json --out "$tmp/pt.json" -- "$tmp/pt" >/dev/null 2>&1 || rc=$?
[ "$rc" = 66 ] || { echo "installed gomm cc + gomm run: exit $rc, want 66" >&2; exit 1; }
grep -q '"data race"' "$tmp/pt.json" || { echo "no race in gomm run's JSON" >&2; exit 1; }
echo "install contract: ok"
