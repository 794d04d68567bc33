/*
 * What the shim's sources share and do not export.
 */
#ifndef MEMMAP_SHIM_H
#define MEMMAP_SHIM_H

#include "memmap.h"

#include <stdint.h>

#define ERR(x) (-(int32_t)(x))
#define ADDR(a) ((void *)(uintptr_t)(a))

/* CLOCK_MONOTONIC in nanoseconds (clock_gettime is async-signal-safe); POSIX only (posix.c). */
int64_t memmap_now_ns(void);

/* Test hooks, compiled in only for native/test/guard-stress.c: called at the points
   where an interleaving matters, so a test can hold a thread there. */
#if defined(MEMMAP_TEST_HOOKS)
enum memmap_hook_point {
  MEMMAP_HOOK_HANDLER_MATCHED, /* the handler found a slot, before it takes the slot */
  MEMMAP_HOOK_HANDLER_HOLDING, /* the handler holds the slot, before it looks at the page */
  MEMMAP_HOOK_INSTALL,         /* guard_add decided to install the handler, before the lock */
};
extern void (*memmap_test_hook)(enum memmap_hook_point point, int slot);
#define MEMMAP_HOOK(point, slot) \
  do {                           \
    if (memmap_test_hook) memmap_test_hook(point, slot); \
  } while (0)
#else
#define MEMMAP_HOOK(point, slot) ((void)0)
#endif

#endif
