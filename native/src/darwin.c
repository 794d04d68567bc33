/*
 * memmap libc shim, what only macOS does: F_FULLFSYNC, an unlinked shm object as
 * memfd, ulock/os_sync waits, and ENOSYS/ENOTSUP for what XNU has no call for
 * (core falls back). Built against native/darwin/include (no SDK on the build machine).
 */
#include "posix.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* PSHMNAMLEN: XNU copies at most 31 characters and a NUL of an shm name
   (bsd/kern/posix_shm.c, pshm_get_name); the SDK does not export the constant. */
#define SHM_NAME_MAX 31

int memmap_os_fstat(int fd, struct stat *st) {
  if (fstat(fd, st) < 0) return -1;
  /* XNU's shm objects (our memfd stand-in) report no file type at all: they are files. */
  if ((st->st_mode & S_IFMT) == 0) st->st_mode |= S_IFREG;
  return 0;
}

int32_t memmap_fsync(int32_t fd) {
  int r;
  /* macOS's fsync leaves the data in the drive's write cache; F_FULLFSYNC flushes that too
     (what Rust's sync_all and SQLite's fullfsync do). File systems without it (SMB, FAT)
     refuse it: then plain fsync, which also reports whatever else is wrong. */
  do r = fcntl(fd, F_FULLFSYNC);
  while (r < 0 && errno == EINTR);
  if (r == 0) return 0;
  do r = fsync(fd);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
}

int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset) {
  if (length <= 0 || offset < 0) return ERR(EINVAL);
  int p = ((prot & MEMMAP_PROT_READ) ? PROT_READ : 0) | ((prot & MEMMAP_PROT_WRITE) ? PROT_WRITE : 0);
  int f = (flags & MEMMAP_MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
  if (flags & MEMMAP_MAP_NORESERVE) f |= MAP_NORESERVE;
  void *addr = mmap(NULL, (size_t)length, p, f, fd, (off_t)offset);
  if (addr == MAP_FAILED) return ERR(errno);
  /* No MAP_POPULATE: read-ahead only. */
  if (flags & MEMMAP_MAP_POPULATE) (void)madvise(addr, (size_t)length, MADV_WILLNEED);
  return (int64_t)(uintptr_t)addr;
}

int32_t memmap_madvise(int64_t addr, int64_t length, int32_t advice) {
  int a;
  switch (advice) {
    case MEMMAP_ADVICE_NORMAL: a = MADV_NORMAL; break;
    case MEMMAP_ADVICE_RANDOM: a = MADV_RANDOM; break;
    case MEMMAP_ADVICE_SEQUENTIAL: a = MADV_SEQUENTIAL; break;
    case MEMMAP_ADVICE_WILLNEED: a = MADV_WILLNEED; break;
    case MEMMAP_ADVICE_DONTNEED: a = MADV_DONTNEED; break;
    case MEMMAP_ADVICE_HUGEPAGE:
    case MEMMAP_ADVICE_NOHUGEPAGE: return 0; /* a hint the OS lacks is not an error */
    default: return ERR(EINVAL);
  }
  if (length <= 0) return 0;
  return madvise(ADDR(addr), (size_t)length, a) < 0 ? ERR(errno) : 0;
}

int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length) {
  /* No mremap on macOS: core's #remap then unmaps and maps afresh. */
  (void)addr; (void)old_length; (void)new_length;
  return ERR(ENOSYS);
}

int32_t memmap_memfd_create(const char *name) {
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
}

int32_t memmap_shm_open(const char *name, int32_t flags, int32_t mode) {
  if (name == NULL) return ERR(EINVAL);
  if (strnlen(name, SHM_NAME_MAX + 1) > SHM_NAME_MAX) return ERR(ENAMETOOLONG);
  int fd = shm_open(name, posix_open_flags(flags) & ~O_TRUNC, (mode_t)mode);
  return fd < 0 ? ERR(errno) : fd;
}

int32_t memmap_shm_unlink(const char *name) {
  if (name == NULL) return ERR(EINVAL);
  if (strnlen(name, SHM_NAME_MAX + 1) > SHM_NAME_MAX) return ERR(ENAMETOOLONG);
  return shm_unlink(name) < 0 ? ERR(errno) : 0;
}

int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length) {
  /* macOS has no in-kernel range copy into an open file: core copies through mappings. */
  (void)in_fd; (void)in_offset; (void)out_fd; (void)out_offset; (void)length;
  return ERR(ENOSYS);
}

int32_t memmap_clone(int32_t src_fd, int32_t dst_fd) {
  /* macOS clones only into a new file (clonefile/fclonefileat), never into an open
     descriptor as FICLONE does: core falls back to copying. */
  (void)src_fd; (void)dst_fd;
  return ERR(ENOTSUP);
}

int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length) {
  if (offset < 0 || length <= 0) return ERR(EINVAL);
  /* macOS's F_PREALLOCATE reserves space past the physical end of the file, not a given
     range, so it cannot promise what fallocate does for a range of a sparse file. */
  (void)fd;
  return ERR(EOPNOTSUPP);
}

int32_t memmap_umask(void) {
  /* No way to read it but to set it: set and restore at once. */
  mode_t m = umask(022);
  umask(m);
  return (int32_t)m;
}

/* Cross-process waiting. os_sync_* is public from macOS 14.4
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

static int64_t now_ms(void) { return memmap_now_ns() / 1000000; }

int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms) {
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
}

int32_t memmap_notify(int64_t addr, int32_t count) {
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
}

int32_t memmap_process_tag(int32_t pid) {
  /* Existence only (no zombie or pid reuse detection, see memmap.h); kill(pid, 0)
     sends no signal and finds zombies too. */
  if (pid <= 0) return ERR(ESRCH);
  return kill((pid_t)pid, 0) == 0 || errno == EPERM ? 0 : ERR(ESRCH);
}
