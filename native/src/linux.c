/*
 * memmap libc shim, what only Linux does (glibc and musl): raw system calls where
 * glibc's wrappers would raise the -gnu builds' floor above GLIBC_2.17, futexes,
 * memfd sealing, FICLONE and copy_file_range, /proc.
 */
#define _GNU_SOURCE
#include "posix.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#if defined(__GLIBC__)
/* The raw system call: glibc's fstat symbol needs 2.33; the kernel's struct stat is
   glibc's on x86_64 and arm64. Keeps the -gnu builds at GLIBC_2.17. */
int memmap_os_fstat(int fd, struct stat *st) { return (int)syscall(SYS_fstat, fd, st); }
#else
int memmap_os_fstat(int fd, struct stat *st) { return fstat(fd, st); }
#endif

int32_t memmap_fsync(int32_t fd) {
  int r;
  do r = fsync(fd);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
}

int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset) {
  if (length <= 0 || offset < 0) return ERR(EINVAL);
  int p = ((prot & MEMMAP_PROT_READ) ? PROT_READ : 0) | ((prot & MEMMAP_PROT_WRITE) ? PROT_WRITE : 0);
  int f = (flags & MEMMAP_MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
  if (flags & MEMMAP_MAP_NORESERVE) f |= MAP_NORESERVE;
  /* MAP_POPULATE on a private writable mapping pre-faults by copying every page:
     read them in instead (MADV_POPULATE_READ, Linux 5.14+; else read-ahead). */
  int populate_read = (flags & MEMMAP_MAP_POPULATE) && !(flags & MEMMAP_MAP_SHARED) && (p & PROT_WRITE);
  if ((flags & MEMMAP_MAP_POPULATE) && !populate_read) f |= MAP_POPULATE;
  void *addr = mmap(NULL, (size_t)length, p, f, fd, (off_t)offset);
  if (addr == MAP_FAILED) return ERR(errno);
  if (populate_read && madvise(addr, (size_t)length, MADV_POPULATE_READ) < 0) (void)madvise(addr, (size_t)length, MADV_WILLNEED);
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
    case MEMMAP_ADVICE_HUGEPAGE: a = MADV_HUGEPAGE; break;
    case MEMMAP_ADVICE_NOHUGEPAGE: a = MADV_NOHUGEPAGE; break;
    default: return ERR(EINVAL);
  }
  if (length <= 0) return 0;
  return madvise(ADDR(addr), (size_t)length, a) < 0 ? ERR(errno) : 0;
}

int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length) {
  if (old_length <= 0 || new_length <= 0) return ERR(EINVAL);
  void *p = mremap(ADDR(addr), (size_t)old_length, (size_t)new_length, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) return ERR(errno);
  return (int64_t)(uintptr_t)p;
}

int32_t memmap_memfd_create(const char *name) {
  /* The raw syscall needs no glibc 2.27; 0x0001 = MFD_CLOEXEC, 0x0002 = MFD_ALLOW_SEALING. */
  long fd = syscall(SYS_memfd_create, name ? name : "memmap", 0x0001U | 0x0002U);
  if (fd < 0) return ERR(errno);
  /* F_SEAL_SHRINK: no process it is shared with can truncate it under another
     (growing still works). Older kernels without sealing just go unsealed. */
  (void)fcntl((int)fd, F_ADD_SEALS, F_SEAL_SHRINK);
  return (int32_t)fd;
}

/* What glibc and musl do inside shm_open: a file in /dev/shm. Done here, the -gnu builds
   need no GLIBC_2.34 (where shm_open moved into libc). name is "/NAME". */
static int shm_path(const char *name, char *path, size_t capacity) {
  int n = snprintf(path, capacity, "/dev/shm%s", name);
  return n < 0 || (size_t)n >= capacity ? -1 : 0;
}

int32_t memmap_shm_open(const char *name, int32_t flags, int32_t mode) {
  if (name == NULL) return ERR(EINVAL);
  char path[320];
  if (shm_path(name, path, sizeof path) < 0) return ERR(ENAMETOOLONG);
  int fd = open(path, (posix_open_flags(flags) & ~O_TRUNC) | O_NOFOLLOW, (mode_t)mode);
  return fd < 0 ? ERR(errno) : fd;
}

int32_t memmap_shm_unlink(const char *name) {
  if (name == NULL) return ERR(EINVAL);
  char path[320];
  if (shm_path(name, path, sizeof path) < 0) return ERR(ENAMETOOLONG);
  return unlink(path) < 0 ? ERR(errno) : 0;
}

int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length) {
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
}

int32_t memmap_clone(int32_t src_fd, int32_t dst_fd) {
  return ioctl(dst_fd, FICLONE, src_fd) < 0 ? ERR(errno) : 0;
}

int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length) {
  if (offset < 0 || length <= 0) return ERR(EINVAL);
  int r;
  do r = fallocate(fd, 0, (off_t)offset, (off_t)length);
  while (r < 0 && errno == EINTR);
  return r < 0 ? ERR(errno) : 0;
}

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

int32_t memmap_umask(void) {
  /* Read, never set: umask() can only be read by changing it, and a file another thread
     creates meanwhile would get the wrong mode. "Umask:" is in /proc since Linux 4.7. */
  char status[4096];
  if (read_small_file("/proc/self/status", status, sizeof status) > 0) {
    const char *line = strstr(status, "\nUmask:");
    if (line != NULL) return (int32_t)strtol(line + 7, NULL, 8);
  }
  /* No other way to read it on older kernels: set and restore at once. */
  mode_t m = umask(022);
  umask(m);
  return (int32_t)m;
}

static int64_t now_ms(void) { return memmap_now_ns() / 1000000; }

int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms) {
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
}

int32_t memmap_notify(int64_t addr, int32_t count) {
  long r = syscall(SYS_futex, ADDR(addr), FUTEX_WAKE, count < 0 ? 0x7fffffff : count, NULL, NULL, 0);
  return r < 0 ? ERR(errno) : (int32_t)r;
}

/* kill(pid, 0) says a process exists, zombies included: no signal is sent. */
static int pid_exists(int32_t pid) { return kill((pid_t)pid, 0) == 0 || errno == EPERM; }

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
