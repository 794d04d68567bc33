/* Hand-written for the macOS build (no SDK here). <sched.h>. */
#ifndef MEMMAP_DARWIN_SCHED_H
#define MEMMAP_DARWIN_SCHED_H

int sched_yield(void);

#endif
