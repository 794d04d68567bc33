/* Hand-written for the macOS build (no SDK here). <stdio.h>, the two functions the shim uses. */
#ifndef MEMMAP_DARWIN_STDIO_H
#define MEMMAP_DARWIN_STDIO_H

#include <sys/types.h>

int snprintf(char *restrict buf, size_t size, const char *restrict format, ...) __attribute__((format(printf, 3, 4)));
int rename(const char *from, const char *to);

#endif
