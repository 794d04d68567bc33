/* Hand-written for the macOS build (no SDK here). Values from <sys/fcntl.h>. */
#ifndef MEMMAP_DARWIN_FCNTL_H
#define MEMMAP_DARWIN_FCNTL_H

#include <sys/types.h>

#define O_RDONLY 0x0000
#define O_WRONLY 0x0001
#define O_RDWR 0x0002
#define O_ACCMODE 0x0003
#define O_NONBLOCK 0x0004
#define O_CREAT 0x0200
#define O_TRUNC 0x0400
#define O_EXCL 0x0800
#define O_CLOEXEC 0x01000000

#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_FULLFSYNC 51 /* fsync, then ask the drive to write its cache to the media */
#define FD_CLOEXEC 1

/* Variadic as in the SDK: on arm64 macOS variadic arguments go on the stack, so a
   non-variadic prototype would pass the mode in the wrong place. */
int open(const char *path, int oflag, ...);
int fcntl(int fd, int cmd, ...);

#endif
