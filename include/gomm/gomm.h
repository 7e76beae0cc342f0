/*
 * gomm/gomm.h — everything public in gomm: include this one header.
 * The per-concept headers can also be included on their own.
 */
#ifndef GOMM_GOMM_H
#define GOMM_GOMM_H

#include <gomm/version.h>
#include <gomm/alloc.h>
#include <gomm/atomic.h>
#include <gomm/chan.h>
#include <gomm/gc.h>
#include <gomm/go.h>
#include <gomm/race.h>
#include <gomm/sync.h>

#endif /* GOMM_GOMM_H */
