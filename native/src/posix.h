/*
 * What posix.c shares with linux.c and darwin.c, and the one per-OS piece it calls.
 */
#ifndef MEMMAP_POSIX_H
#define MEMMAP_POSIX_H

#include "shim.h"

#include <fcntl.h>
#include <sys/stat.h>

/* memmap_open's flags as open(2)'s, always close-on-exec. */
static inline int posix_open_flags(int32_t flags) {
  int f = O_CLOEXEC | ((flags & MEMMAP_OPEN_WRITE) ? O_RDWR : O_RDONLY);
  if (flags & MEMMAP_OPEN_CREATE) f |= O_CREAT;
  if (flags & MEMMAP_OPEN_EXCL) f |= O_EXCL;
  if (flags & MEMMAP_OPEN_TRUNC) f |= O_TRUNC;
  return f;
}

/* fstat(2) as this OS needs it (linux.c, darwin.c): 0 or -1 with errno set. */
int memmap_os_fstat(int fd, struct stat *st);

#endif
