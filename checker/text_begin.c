/*
 * checker/text_begin.c — the first function of the race runtime's code.
 *
 * CMake puts this object first and text_end.c's last in libgomm_race (and
 * `gomm cc` links the archive whole), and the race objects are built
 * without function reordering, so [gm_rt_text_begin, gm_rt_text_end)
 * holds all the runtime's code: the interceptors (intercept.c) let calls
 * from there through unchecked. Verified at start-up.
 */
__attribute__((noinline, used)) void gm_rt_text_begin(void)
{
    __asm__ volatile("");
}
