/* Hand-written for the macOS build (no SDK here). <sys/stat.h> with 64-bit inodes
   (__DARWIN_64_BIT_INO_T, the default on x86_64 and the only layout on arm64). */
#ifndef MEMMAP_DARWIN_SYS_STAT_H
#define MEMMAP_DARWIN_SYS_STAT_H

#include <sys/types.h>

struct stat {                       /* __DARWIN_STRUCT_STAT64; offsets for LP64 */
  dev_t st_dev;                     /*   0 */
  mode_t st_mode;                   /*   4 */
  nlink_t st_nlink;                 /*   6 */
  ino_t st_ino;                     /*   8 */
  uid_t st_uid;                     /*  16 */
  gid_t st_gid;                     /*  20 */
  dev_t st_rdev;                    /*  24 */
  struct timespec st_atimespec;     /*  32 */
  struct timespec st_mtimespec;     /*  48 */
  struct timespec st_ctimespec;     /*  64 */
  struct timespec st_birthtimespec; /*  80 */
  off_t st_size;                    /*  96 */
  blkcnt_t st_blocks;               /* 104 */
  blksize_t st_blksize;             /* 112 */
  uint32_t st_flags;                /* 116 */
  uint32_t st_gen;                  /* 120 */
  int32_t st_lspare;                /* 124 */
  int64_t st_qspare[2];             /* 128; sizeof 144 */
};

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)

/* The SDK's __DARWIN_INODE64(fstat): on x86_64 the 64-bit-inode fstat is the symbol
   fstat$INODE64 (plain fstat there fills the old 32-bit-inode layout); arm64 has only one. */
#if defined(__x86_64__)
int fstat(int fd, struct stat *st) __asm("_fstat$INODE64");
#else
int fstat(int fd, struct stat *st);
#endif
int fchmod(int fd, mode_t mode);
mode_t umask(mode_t mask);

#endif
