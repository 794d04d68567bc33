/* Hand-written for the macOS build (no SDK here). <string.h>, what the shim uses. */
#ifndef MEMMAP_DARWIN_STRING_H
#define MEMMAP_DARWIN_STRING_H

#include <sys/types.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strnlen(const char *s, size_t max);
char *strerror(int err);

#endif
