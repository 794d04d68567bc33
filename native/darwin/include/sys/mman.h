/* Hand-written for the macOS build (no SDK here). Values from <sys/mman.h>. */
#ifndef MEMMAP_DARWIN_SYS_MMAN_H
#define MEMMAP_DARWIN_SYS_MMAN_H

#include <sys/types.h>

#define PROT_READ 0x01
#define PROT_WRITE 0x02

#define MAP_SHARED 0x0001
#define MAP_PRIVATE 0x0002
#define MAP_FIXED 0x0010     /* replaces whatever was mapped there */
#define MAP_NORESERVE 0x0040 /* accepted, and ignored by XNU */
#define MAP_ANON 0x1000
#define MAP_FAILED ((void *)-1)
/* No MAP_POPULATE on macOS. */

#define MS_ASYNC 0x0001
#define MS_SYNC 0x0010

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
/* No MADV_HUGEPAGE / MADV_NOHUGEPAGE on macOS. */

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int munmap(void *addr, size_t length);
int msync(void *addr, size_t length, int flags);
int madvise(void *addr, size_t length, int advice);
int mlock(const void *addr, size_t length);
int munlock(const void *addr, size_t length);
int mincore(const void *addr, size_t length, char *vec);
int shm_open(const char *name, int oflag, ...); /* variadic, as open */
int shm_unlink(const char *name);

#endif
