/*
 * memmap libc shim, POSIX half. Each function validates, makes one system
 * call, and returns the result or -errno read immediately after the call.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__linux__)
/* musl-gcc hides the kernel's headers: the values below are the kernel ABI. */
#if __has_include(<linux/fs.h>)
#include <linux/fs.h>
#else
#define FICLONE 0x40049409 /* _IOW(0x94, 9, int) */
#endif
#if __has_include(<linux/futex.h>)
#include <linux/futex.h>
#else
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif
#include <sys/ioctl.h>
#include <sys/syscall.h>
#endif

int32_t memmap_abi_version(void) { return MEMMAP_ABI_VERSION; }

int64_t memmap_page_size(void) { return (int64_t)sysconf(_SC_PAGESIZE); }

static int open_flags(int32_t flags) {
  int f = O_CLOEXEC | ((flags & MEMMAP_OPEN_WRITE) ? O_RDWR : O_RDONLY);
  if (flags & MEMMAP_OPEN_CREATE) f |= O_CREAT;
  if (flags & MEMMAP_OPEN_EXCL) f |= O_EXCL;
  if (flags & MEMMAP_OPEN_TRUNC) f |= O_TRUNC;
  return f;
}

int32_t memmap_open(const char *path, int32_t flags, int32_t mode) {
  if (path == NULL) return ERR(EINVAL);
  int fd;
  do fd = open(path, open_flags(flags), (mode_t)mode);
  while (fd < 0 && errno == EINTR); /* open on a FIFO or NFS can be interrupted */
  return fd < 0 ? ERR(errno) : fd;
}

int32_t memmap_close(int32_t fd) {
  /* Never retry close on EINTR: on Linux the descriptor is already gone. */
  return close(fd) < 0 ? ERR(errno) : 0;
}

int32_t memmap_fstat(int32_t fd, int64_t *out) {
  struct stat st;
  if (out == NULL) return ERR(EINVAL);
#if defined(__linux__) && defined(__GLIBC__)
  /* The raw system call: glibc's fstat symbol needs 2.33; the kernel's struct stat is
     glibc's on x86_64 and arm64. Keeps the -gnu builds at GLIBC_2.17. */
  if (syscall(SYS_fstat, fd, &st) < 0) return ERR(errno);
#else
  if (fstat(fd, &st) < 0) return ERR(errno);
#endif
  out[MEMMAP_STAT_SIZE] = (int64_t)st.st_size;
  out[MEMMAP_STAT_KIND] = S_ISREG(st.st_mode) ? MEMMAP_KIND_FILE
                          : S_ISDIR(st.st_mode) ? MEMMAP_KIND_DIRECTORY
#if defined(__APPLE__)
                          /* XNU's shm objects (our memfd stand-in) report no file type at all. */
                          : (st.st_mode & S_IFMT) == 0 ? MEMMAP_KIND_FILE
#endif
                                                : MEMMAP_KIND_OTHER;
  out[MEMMAP_STAT_PERM] = (int64_t)(st.st_mode & 07777);
  out[MEMMAP_STAT_DEV] = (int64_t)st.st_dev;
  out[MEMMAP_STAT_INO] = (int64_t)st.st_ino;
  return 0;
}

int32_t memmap_fd_access(int32_t fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return ERR(errno);
  switch (fl & O_ACCMODE) {
    case O_RDONLY: return MEMMAP_ACCESS_READ;
    case O_WRONLY: return MEMMAP_ACCESS_WRITE;
    default: return MEMMAP_ACCESS_READ | MEMMAP_ACCESS_WRITE;
  }
}

int32_t memmap_ftruncate(int32_t fd, int64_t size) {
  if (size < 0) return ERR(EINVAL);
  int r;
  do r = ftruncate(fd, (off_t)size);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
}

int32_t memmap_fsync(int32_t fd) {
  int r;
#if defined(__APPLE__)
  /* macOS's fsync leaves the data in the drive's write cache; F_FULLFSYNC flushes that too
     (what Rust's sync_all and SQLite's fullfsync do). File systems without it (SMB, FAT)
     refuse it: then plain fsync, which also reports whatever else is wrong. */
  do r = fcntl(fd, F_FULLFSYNC);
  while (r < 0 && errno == EINTR);
  if (r == 0) return 0;
#endif
  do r = fsync(fd);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
}

int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset) {
  if (length <= 0 || offset < 0) return ERR(EINVAL);
  int p = ((prot & MEMMAP_PROT_READ) ? PROT_READ : 0) | ((prot & MEMMAP_PROT_WRITE) ? PROT_WRITE : 0);
  int f = (flags & MEMMAP_MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
#ifdef MAP_NORESERVE
  if (flags & MEMMAP_MAP_NORESERVE) f |= MAP_NORESERVE;
#endif
  /* MAP_POPULATE on a private writable mapping pre-faults by copying every page:
     read them in instead (MADV_POPULATE_READ, Linux 5.14+; else read-ahead). */
#ifdef MAP_POPULATE
  int populate_read = (flags & MEMMAP_MAP_POPULATE) && !(flags & MEMMAP_MAP_SHARED) && (p & PROT_WRITE);
  if ((flags & MEMMAP_MAP_POPULATE) && !populate_read) f |= MAP_POPULATE;
#else
  int populate_read = (flags & MEMMAP_MAP_POPULATE) != 0; /* macOS: no MAP_POPULATE, read-ahead only */
#endif
  void *addr = mmap(NULL, (size_t)length, p, f, fd, (off_t)offset);
  if (addr == MAP_FAILED) return ERR(errno);
  if (populate_read) {
#if defined(__linux__)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
    if (madvise(addr, (size_t)length, MADV_POPULATE_READ) < 0) (void)madvise(addr, (size_t)length, MADV_WILLNEED);
#else
    (void)madvise(addr, (size_t)length, MADV_WILLNEED);
#endif
  }
  return (int64_t)(uintptr_t)addr;
}

int32_t memmap_munmap(int64_t addr, int64_t length) {
  if (length <= 0) return ERR(EINVAL);
  return munmap(ADDR(addr), (size_t)length) < 0 ? ERR(errno) : 0;
}

int32_t memmap_msync(int64_t addr, int64_t length, int32_t flags) {
  if (length < 0) return ERR(EINVAL);
  if (length == 0) return 0;
  int f = (flags & MEMMAP_SYNC_ASYNC) ? MS_ASYNC : MS_SYNC;
  return msync(ADDR(addr), (size_t)length, f) < 0 ? ERR(errno) : 0;
}

int32_t memmap_madvise(int64_t addr, int64_t length, int32_t advice) {
  int a;
  switch (advice) {
    case MEMMAP_ADVICE_NORMAL: a = MADV_NORMAL; break;
    case MEMMAP_ADVICE_RANDOM: a = MADV_RANDOM; break;
    case MEMMAP_ADVICE_SEQUENTIAL: a = MADV_SEQUENTIAL; break;
    case MEMMAP_ADVICE_WILLNEED: a = MADV_WILLNEED; break;
    case MEMMAP_ADVICE_DONTNEED: a = MADV_DONTNEED; break;
#ifdef MADV_HUGEPAGE
    case MEMMAP_ADVICE_HUGEPAGE: a = MADV_HUGEPAGE; break;
    case MEMMAP_ADVICE_NOHUGEPAGE: a = MADV_NOHUGEPAGE; break;
#else
    case MEMMAP_ADVICE_HUGEPAGE:
    case MEMMAP_ADVICE_NOHUGEPAGE: return 0; /* a hint the OS lacks is not an error */
#endif
    default: return ERR(EINVAL);
  }
  if (length <= 0) return 0;
  return madvise(ADDR(addr), (size_t)length, a) < 0 ? ERR(errno) : 0;
}

int32_t memmap_mlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  return mlock(ADDR(addr), (size_t)length) < 0 ? ERR(errno) : 0;
}

int32_t memmap_munlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  return munlock(ADDR(addr), (size_t)length) < 0 ? ERR(errno) : 0;
}

int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length) {
#if defined(__linux__)
  if (old_length <= 0 || new_length <= 0) return ERR(EINVAL);
  void *p = mremap(ADDR(addr), (size_t)old_length, (size_t)new_length, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) return ERR(errno);
  return (int64_t)(uintptr_t)p;
#else
  /* No mremap on macOS: core's #remap then unmaps and maps afresh. */
  (void)addr; (void)old_length; (void)new_length;
  return ERR(ENOSYS);
#endif
}

#if defined(__APPLE__)
/* PSHMNAMLEN: XNU copies at most 31 characters and a NUL of an shm name
   (bsd/kern/posix_shm.c, pshm_get_name); the SDK does not export the constant. */
#define SHM_NAME_MAX 31
#endif

int32_t memmap_memfd_create(const char *name) {
#if defined(__linux__) && defined(SYS_memfd_create)
  /* The raw syscall needs no glibc 2.27; 0x0001 = MFD_CLOEXEC, 0x0002 = MFD_ALLOW_SEALING. */
  long fd = syscall(SYS_memfd_create, name ? name : "memmap", 0x0001U | 0x0002U);
  if (fd < 0) return ERR(errno);
  /* F_SEAL_SHRINK: no process it is shared with can truncate it under another
     (growing still works). Older kernels without sealing just go unsealed. */
#if defined(F_ADD_SEALS) && defined(F_SEAL_SHRINK)
  (void)fcntl((int)fd, F_ADD_SEALS, F_SEAL_SHRINK);
#endif
  return (int32_t)fd;
#elif defined(__APPLE__)
  /* No memfd: a POSIX shm object under a fresh name, unlinked at once, so only descriptors
     refer to it (a child gets it by inheriting one). macOS has no file sealing, but XNU lets
     an shm object be sized by ftruncate once in its life, so once sized no process can
     shrink it (nor grow it). */
  static _Atomic uint32_t counter;
  (void)name; /* no room for it: names are at most SHM_NAME_MAX */
  for (int attempt = 0; attempt < 8; attempt++) {
    char shm_name[SHM_NAME_MAX + 1];
    /* At most 8 + 5 (pids stay below 100000) + 1 + 8 + 1 + 8 = 31 characters. */
    int n = snprintf(shm_name, sizeof shm_name, "/memmap.%d.%x.%08x", (int)getpid(),
                     (unsigned)atomic_fetch_add(&counter, 1), (unsigned)arc4random());
    if (n < 0 || n > SHM_NAME_MAX) return ERR(ENAMETOOLONG);
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue; /* someone holds that name: draw another */
      return ERR(errno);
    }
    (void)shm_unlink(shm_name);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* XNU sets it on shm descriptors already; the header promises it */
    return fd;
  }
  return ERR(EEXIST);
#else
  (void)name;
  return ERR(ENOSYS);
#endif
}

#if defined(__linux__)
/* What glibc and musl do inside shm_open: a file in /dev/shm. Done here, the -gnu builds
   need no GLIBC_2.34 (where shm_open moved into libc). name is "/NAME". */
static int shm_path(const char *name, char *path, size_t capacity) {
  int n = snprintf(path, capacity, "/dev/shm%s", name);
  return n < 0 || (size_t)n >= capacity ? -1 : 0;
}
#endif

int32_t memmap_shm_open(const char *name, int32_t flags, int32_t mode) {
  if (name == NULL) return ERR(EINVAL);
#if defined(__linux__)
  char path[320];
  if (shm_path(name, path, sizeof path) < 0) return ERR(ENAMETOOLONG);
  int fd = open(path, (open_flags(flags) & ~O_TRUNC) | O_NOFOLLOW, (mode_t)mode);
#else
#if defined(__APPLE__)
  if (strnlen(name, SHM_NAME_MAX + 1) > SHM_NAME_MAX) return ERR(ENAMETOOLONG);
#endif
  int fd = shm_open(name, open_flags(flags) & ~O_TRUNC, (mode_t)mode);
#endif
  return fd < 0 ? ERR(errno) : fd;
}

int32_t memmap_shm_unlink(const char *name) {
  if (name == NULL) return ERR(EINVAL);
#if defined(__linux__)
  char path[320];
  if (shm_path(name, path, sizeof path) < 0) return ERR(ENAMETOOLONG);
  return unlink(path) < 0 ? ERR(errno) : 0;
#else
#if defined(__APPLE__)
  if (strnlen(name, SHM_NAME_MAX + 1) > SHM_NAME_MAX) return ERR(ENAMETOOLONG);
#endif
  return shm_unlink(name) < 0 ? ERR(errno) : 0;
#endif
}

void memmap_copy(int64_t dst_addr, int64_t src_addr, int64_t length) {
  if (length > 0) memcpy(ADDR(dst_addr), ADDR(src_addr), (size_t)length);
}

int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length) {
#if defined(__linux__) && defined(SYS_copy_file_range)
  if (in_offset < 0 || out_offset < 0 || length < 0) return ERR(EINVAL);
  int64_t in = in_offset, out = out_offset; /* the kernel takes loff_t *, 64-bit everywhere */
  int64_t done = 0;
  while (done < length) {
    /* The raw syscall: glibc's wrapper needs 2.27, and some of its versions emulate it in user space. */
    long n = syscall(SYS_copy_file_range, in_fd, &in, out_fd, &out, (size_t)(length - done), 0U);
    if (n < 0) {
      if (errno == EINTR) continue;
      return done > 0 && errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP ? done : ERR(errno);
    }
    if (n == 0) break; /* end of the source: it is shorter than it was */
    done += n;
  }
  return done;
#else
  /* macOS has no in-kernel range copy into an open file: core copies through mappings. */
  (void)in_fd; (void)in_offset; (void)out_fd; (void)out_offset; (void)length;
  return ERR(ENOSYS);
#endif
}

int32_t memmap_clone(int32_t src_fd, int32_t dst_fd) {
#if defined(__linux__) && defined(FICLONE)
  return ioctl(dst_fd, FICLONE, src_fd) < 0 ? ERR(errno) : 0;
#else
  /* macOS clones only into a new file (clonefile/fclonefileat), never into an open
     descriptor as FICLONE does: core falls back to copying. */
  (void)src_fd; (void)dst_fd;
  return ERR(ENOTSUP);
#endif
}

int32_t memmap_fchmod(int32_t fd, int32_t mode) {
  return fchmod(fd, (mode_t)mode) < 0 ? ERR(errno) : 0;
}

int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length) {
  if (offset < 0 || length <= 0) return ERR(EINVAL);
#if defined(__linux__)
  int r;
  do r = fallocate(fd, 0, (off_t)offset, (off_t)length);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
#else
  /* macOS's F_PREALLOCATE reserves space past the physical end of the file, not a given
     range, so it cannot promise what fallocate does for a range of a sparse file. */
  (void)fd;
  return ERR(EOPNOTSUPP);
#endif
}

int64_t memmap_seek_data(int32_t fd, int64_t offset) {
#ifdef SEEK_DATA
  off_t r = lseek(fd, (off_t)offset, SEEK_DATA);
  return r < 0 ? ERR(errno) : (int64_t)r;
#else
  (void)fd; (void)offset;
  return ERR(ENOSYS);
#endif
}

int64_t memmap_seek_hole(int32_t fd, int64_t offset) {
#ifdef SEEK_HOLE
  off_t r = lseek(fd, (off_t)offset, SEEK_HOLE);
  return r < 0 ? ERR(errno) : (int64_t)r;
#else
  (void)fd; (void)offset;
  return ERR(ENOSYS);
#endif
}

#if defined(__linux__)
/* Reads all of a small file (a /proc file) into buf, NUL-terminated, and closes fd; returns the length. */
static int read_small_fd(int fd, char *buf, size_t capacity) {
  size_t used = 0;
  while (used + 1 < capacity) {
    ssize_t n = read(fd, buf + used, capacity - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
  }
  close(fd);
  buf[used] = '\0';
  return (int)used;
}

static int read_small_file(const char *path, char *buf, size_t capacity) {
  int fd;
  do fd = open(path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return ERR(errno);
  return read_small_fd(fd, buf, capacity);
}
#endif

int32_t memmap_umask(void) {
#if defined(__linux__)
  /* Read, never set: umask() can only be read by changing it, and a file another thread
     creates meanwhile would get the wrong mode. "Umask:" is in /proc since Linux 4.7. */
  char status[4096];
  if (read_small_file("/proc/self/status", status, sizeof status) > 0) {
    const char *line = strstr(status, "\nUmask:");
    if (line != NULL) return (int32_t)strtol(line + 7, NULL, 8);
  }
#endif
  /* No other way to read it (macOS, old kernels): set and restore at once. */
  mode_t m = umask(022);
  umask(m);
  return (int32_t)m;
}

int32_t memmap_rename(const char *from, const char *to) {
  if (from == NULL || to == NULL) return ERR(EINVAL);
  return rename(from, to) < 0 ? ERR(errno) : 0;
}

int32_t memmap_link(const char *from, const char *to) {
  if (from == NULL || to == NULL) return ERR(EINVAL);
  return link(from, to) < 0 ? ERR(errno) : 0;
}

int32_t memmap_unlink(const char *path) {
  if (path == NULL) return ERR(EINVAL);
  return unlink(path) < 0 ? ERR(errno) : 0;
}

#if defined(__APPLE__)
/* Cross-process waiting on macOS. os_sync_* is public from macOS 14.4
   (<os/os_sync_wait_on_address.h>); weak imports, so they are NULL on older systems. */
extern int os_sync_wait_on_address(void *addr, uint64_t value, size_t size, uint32_t flags) __attribute__((weak_import));
extern int os_sync_wait_on_address_with_timeout(void *addr, uint64_t value, size_t size, uint32_t flags,
                                                uint32_t clockid, uint64_t timeout_ns) __attribute__((weak_import));
extern int os_sync_wake_by_address_any(void *addr, size_t size, uint32_t flags) __attribute__((weak_import));
extern int os_sync_wake_by_address_all(void *addr, size_t size, uint32_t flags) __attribute__((weak_import));
#define OS_SYNC_SHARED 1 /* OS_SYNC_WAIT_ON_ADDRESS_SHARED and OS_SYNC_WAKE_BY_ADDRESS_SHARED */
#define OS_CLOCK_MACH_ABSOLUTE_TIME 32

/* Before that, the private ulock calls every runtime uses (libc++'s atomic wait, Go, Zig):
   declared in xnu's bsd/sys/ulock.h, no SDK header. __ulock_wait2 (timeout in ns, 0 forever)
   exists from macOS 11, the oldest we build for, so __ulock_wait (32-bit µs) is not needed. */
extern int __ulock_wait2(uint32_t operation, void *addr, uint64_t value, uint64_t timeout_ns, uint64_t value2);
extern int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value);
#define UL_COMPARE_AND_WAIT_SHARED 3 /* 32-bit compare, waiters in any process mapping the page */
#define ULF_WAKE_ALL 0x00000100

static int os_sync_available(void) {
  return os_sync_wait_on_address != NULL && os_sync_wait_on_address_with_timeout != NULL &&
         os_sync_wake_by_address_any != NULL && os_sync_wake_by_address_all != NULL;
}
#endif

int64_t memmap_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ms(void) { return memmap_now_ns() / 1000000; }

int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms) {
#if defined(__linux__)
  /* Not FUTEX_PRIVATE_FLAG: the word is shared with other processes. */
  int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    struct timespec ts, *tsp = NULL;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left < 0) left = 0;
      ts.tv_sec = (time_t)(left / 1000);
      ts.tv_nsec = (long)(left % 1000) * 1000000L;
      tsp = &ts;
    }
    long r = syscall(SYS_futex, ADDR(addr), FUTEX_WAIT, expected, tsp, NULL, 0);
    if (r == 0) return 0;
    if (errno == EINTR) continue; /* a signal is not a wake-up: wait out the rest */
    return ERR(errno);
  }
#elif defined(__APPLE__)
  void *word = ADDR(addr);
  /* Both waits return success, as for a wake-up, when the word differs: compare first so
     "not equal" is reported. A change between this load and the wait reads as a wake-up,
     which callers re-check anyway. */
  if (atomic_load((_Atomic int32_t *)word) != expected) return ERR(EAGAIN);
  if (timeout_ms == 0) return ERR(ETIMEDOUT); /* os_sync rejects a 0 timeout, ulock reads it as forever */
  /* Beyond 30 years is forever (and keeps the nanoseconds below from overflowing). */
  int64_t deadline = timeout_ms < 0 || timeout_ms > 1000000000000 ? -1 : now_ms() + timeout_ms;
  uint64_t value = (uint32_t)expected; /* compared as 32 bits; no sign extension into the upper half */
  for (;;) {
    uint64_t timeout_ns = 0; /* 0: forever, for __ulock_wait2 */
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0) return ERR(ETIMEDOUT);
      timeout_ns = (uint64_t)left * 1000000u;
    }
    int r;
    if (os_sync_available()) {
      r = timeout_ns ? os_sync_wait_on_address_with_timeout(word, value, 4, OS_SYNC_SHARED, OS_CLOCK_MACH_ABSOLUTE_TIME, timeout_ns)
                     : os_sync_wait_on_address(word, value, 4, OS_SYNC_SHARED);
    } else {
      r = __ulock_wait2(UL_COMPARE_AND_WAIT_SHARED, word, value, timeout_ns, 0);
    }
    if (r >= 0) return 0; /* r counts the waiters left, which we do not report */
    if (errno == EINTR) continue;
    return ERR(errno); /* ETIMEDOUT, or EFAULT/EINVAL for a bad address */
  }
#else
  (void)addr; (void)expected; (void)timeout_ms;
  return ERR(ENOSYS);
#endif
}

int32_t memmap_notify(int64_t addr, int32_t count) {
#if defined(__linux__)
  long r = syscall(SYS_futex, ADDR(addr), FUTEX_WAKE, count < 0 ? 0x7fffffff : count, NULL, NULL, 0);
  return r < 0 ? ERR(errno) : (int32_t)r;
#elif defined(__APPLE__)
  void *word = ADDR(addr);
  int use_os_sync = os_sync_available();
  if (count < 0) {
    /* Wake all in one call. macOS does not say how many woke: report 1 when any did. */
    int r = use_os_sync ? os_sync_wake_by_address_all(word, 4, OS_SYNC_SHARED)
                        : __ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_WAKE_ALL, word, 0);
    if (r == 0) return 1;
    return errno == ENOENT ? 0 : ERR(errno); /* ENOENT: nobody was waiting */
  }
  /* Up to count: one at a time, so the count is exact; stops when nobody is left. */
  int32_t woken = 0;
  while (woken < count) {
    int r = use_os_sync ? os_sync_wake_by_address_any(word, 4, OS_SYNC_SHARED)
                        : __ulock_wake(UL_COMPARE_AND_WAIT_SHARED, word, 0);
    if (r == 0) {
      woken++;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ENOENT || woken > 0) break;
    return ERR(errno);
  }
  return woken;
#else
  (void)addr; (void)count;
  return ERR(ENOSYS);
#endif
}

void memmap_yield(void) { sched_yield(); }

/* kill(pid, 0) says a process exists, zombies included: no signal is sent. */
static int pid_exists(int32_t pid) { return kill((pid_t)pid, 0) == 0 || errno == EPERM; }

#if defined(__linux__)
/* /proc/<pid>/stat, opened relative to /proc: qemu-user answers an absolute path to its own
   process's files with a made-up stat whose start time differs from what every other process
   reads for it; a relative path reaches the kernel's file. */
static int read_proc_stat(int32_t pid, char *buf, size_t capacity) {
  int dir;
  do dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (dir < 0 && errno == EINTR);
  if (dir < 0) return ERR(errno);
  char name[32];
  snprintf(name, sizeof name, "%d/stat", (int)pid);
  int fd;
  do fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  int err = errno;
  close(dir);
  if (fd < 0) return ERR(err);
  return read_small_fd(fd, buf, capacity);
}

int32_t memmap_process_tag(int32_t pid) {
  if (pid <= 0) return ERR(ESRCH);
  char stat[1024];
  if (read_proc_stat(pid, stat, sizeof stat) <= 0) {
    /* No such process, or no /proc (or one that hides other users' processes). */
    return pid_exists(pid) ? 0 : ERR(ESRCH);
  }
  /* "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields
     start after the last ')'. State Z is a zombie (dead, not yet reaped), X is dying. */
  char *p = strrchr(stat, ')');
  if (p == NULL || p[1] != ' ') return 0;
  p += 2;
  if (*p == 'Z' || *p == 'X') return ERR(ESRCH);
  /* starttime is field 22: 19 fields after the state (field 3). */
  for (int field = 3; field < 22 && p != NULL; field++) {
    p = strchr(p, ' ');
    if (p != NULL) p++;
  }
  if (p == NULL) return 0;
  unsigned long long start = strtoull(p, NULL, 10);
  if (start == 0) return 0; /* not a real start time: say "unknown" */
  return (int32_t)(start % 0x7ffffffeULL) + 1;
}
#else
int32_t memmap_process_tag(int32_t pid) {
  /* macOS: existence only (no zombie or pid reuse detection, see memmap.h). */
  if (pid <= 0) return ERR(ESRCH);
  return pid_exists(pid) ? 0 : ERR(ESRCH);
}
#endif

/* One table for every errno name memmap can report. */
#define MEMMAP_ERRNO_MAP(XX) \
  XX(EPERM) XX(ENOENT) XX(EINTR) XX(EIO) XX(ENXIO) XX(E2BIG) XX(EBADF) XX(EAGAIN) \
  XX(ENOMEM) XX(EACCES) XX(EFAULT) XX(EBUSY) XX(EEXIST) XX(EXDEV) XX(ENODEV) \
  XX(ENOTDIR) XX(EISDIR) XX(EINVAL) XX(ENFILE) XX(EMFILE) XX(ETXTBSY) XX(EFBIG) \
  XX(ENOSPC) XX(ESPIPE) XX(EROFS) XX(EMLINK) XX(EPIPE) XX(ERANGE) XX(ENAMETOOLONG) \
  XX(ENOSYS) XX(ENOTSUP) XX(EOVERFLOW) XX(ELOOP) XX(ETIMEDOUT) XX(EDQUOT) XX(ENOTEMPTY) XX(ESRCH) \
  MEMMAP_ERRNO_EOPNOTSUPP(XX)

/* macOS has ENOTSUP 45 and EOPNOTSUPP 102; on Linux they are one number, and a second
   case label for it would not compile. */
#if EOPNOTSUPP != ENOTSUP
#define MEMMAP_ERRNO_EOPNOTSUPP(XX) XX(EOPNOTSUPP)
#else
#define MEMMAP_ERRNO_EOPNOTSUPP(XX)
#endif

int32_t memmap_error_describe(int32_t err, char *buf, int32_t capacity) {
  const char *name = "EUNKNOWN";
  if (buf == NULL || capacity <= 0) return ERR(EINVAL);
  switch (err) {
#define XX(e) case e: name = #e; break;
    MEMMAP_ERRNO_MAP(XX)
#undef XX
    default: break;
  }
  int n = snprintf(buf, (size_t)capacity, "%s:%s", name, strerror(err));
  return n < 0 ? ERR(EINVAL) : (n >= capacity ? capacity - 1 : n);
}

/* Page residency (mincore): one byte per page of [addr, addr + length) into out, 1 when the
   page is in RAM, else 0 (the kernel's other bits are masked off). addr is page-aligned. */
#if defined(__APPLE__)
#define MEMMAP_MINCORE_VEC char /* macOS declares mincore(const void *, size_t, char *) */
#else
#define MEMMAP_MINCORE_VEC unsigned char
#endif
int32_t memmap_mincore(int64_t addr, int64_t length, uint8_t *out) {
  if (length < 0 || out == NULL) return ERR(EINVAL);
  if (length == 0) return 0;
  if (mincore(ADDR(addr), (size_t)length, (MEMMAP_MINCORE_VEC *)out) < 0) return ERR(errno);
  int64_t page = (int64_t)sysconf(_SC_PAGESIZE);
  for (int64_t i = 0, n = (length + page - 1) / page; i < n; i++) out[i] &= 1;
  return 0;
}
