/* Hand-written for the macOS build (no SDK here). <time.h>, what the shim uses. */
#ifndef MEMMAP_DARWIN_TIME_H
#define MEMMAP_DARWIN_TIME_H

#include <sys/types.h>

typedef enum { /* an enum in the SDK as well (macOS 10.12+) */
  CLOCK_MONOTONIC = 6
} clockid_t;

int clock_gettime(clockid_t clock, struct timespec *ts);

#endif
