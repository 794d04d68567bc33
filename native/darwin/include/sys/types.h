/* Hand-written for the macOS build (no SDK here): the scalar types the shim uses, as
   <sys/_types.h> and <sys/_types/_*.h> define them for 64-bit macOS (LP64). */
#ifndef MEMMAP_DARWIN_SYS_TYPES_H
#define MEMMAP_DARWIN_SYS_TYPES_H

#include <stddef.h> /* size_t, NULL: from the compiler */
#include <stdint.h>

typedef long ssize_t;             /* __darwin_ssize_t */
typedef long long off_t;          /* __int64_t: 64-bit on every macOS */
typedef unsigned short mode_t;    /* __uint16_t */
typedef int pid_t;                /* __int32_t */
typedef int dev_t;                /* __int32_t */
typedef unsigned long long ino_t; /* __darwin_ino64_t: 64-bit inodes (__DARWIN_64_BIT_INO_T) */
typedef unsigned int uid_t;       /* __uint32_t */
typedef unsigned int gid_t;       /* __uint32_t */
typedef unsigned short nlink_t;   /* __uint16_t */
typedef long long blkcnt_t;       /* __int64_t */
typedef int blksize_t;            /* __int32_t */
typedef long time_t;              /* __darwin_time_t */

#ifndef MEMMAP_DARWIN_TIMESPEC
#define MEMMAP_DARWIN_TIMESPEC
struct timespec { /* <sys/_types/_timespec.h> */
  time_t tv_sec;
  long tv_nsec;
};
#endif

#endif
