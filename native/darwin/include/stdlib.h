/* Hand-written for the macOS build (no SDK here). <stdlib.h>, what the shim uses. */
#ifndef MEMMAP_DARWIN_STDLIB_H
#define MEMMAP_DARWIN_STDLIB_H

#include <stddef.h>
#include <stdint.h>

uint32_t arc4random(void); /* seeded by the kernel; never fails */
void *realloc(void *ptr, size_t size);
void free(void *ptr);

#endif
