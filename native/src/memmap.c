/*
 * memmap libc shim, POSIX half. Each function validates, makes one system
 * call, and returns the result or -errno read immediately after the call.
 */
#define _GNU_SOURCE
#include "memmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
#include <time.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#endif

#define ERR(x) (-(int32_t)(x))
#define ADDR(a) ((void *)(uintptr_t)(a))

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
  int populate_read = (flags & MEMMAP_MAP_POPULATE) && !(flags & MEMMAP_MAP_SHARED) && (p & PROT_WRITE);
#ifdef MAP_POPULATE
  if ((flags & MEMMAP_MAP_POPULATE) && !populate_read) f |= MAP_POPULATE;
#endif
  void *addr = mmap(NULL, (size_t)length, p, f, fd, (off_t)offset);
  if (addr == MAP_FAILED) return ERR(errno);
  if (populate_read) {
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
    if (madvise(addr, (size_t)length, MADV_POPULATE_READ) < 0) (void)madvise(addr, (size_t)length, MADV_WILLNEED);
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
  (void)addr; (void)old_length; (void)new_length;
  return ERR(ENOSYS);
#endif
}

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
  (void)in_fd; (void)in_offset; (void)out_fd; (void)out_offset; (void)length;
  return ERR(ENOSYS);
#endif
}

int32_t memmap_clone(int32_t src_fd, int32_t dst_fd) {
#if defined(__linux__) && defined(FICLONE)
  return ioctl(dst_fd, FICLONE, src_fd) < 0 ? ERR(errno) : 0;
#else
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

int32_t memmap_umask(void) {
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

#if defined(__linux__)
static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
#endif

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
#else
  (void)addr; (void)expected; (void)timeout_ms;
  return ERR(ENOSYS);
#endif
}

int32_t memmap_notify(int64_t addr, int32_t count) {
#if defined(__linux__)
  long r = syscall(SYS_futex, ADDR(addr), FUTEX_WAKE, count < 0 ? 0x7fffffff : count, NULL, NULL, 0);
  return r < 0 ? ERR(errno) : (int32_t)r;
#else
  (void)addr; (void)count;
  return ERR(ENOSYS);
#endif
}

void memmap_yield(void) { sched_yield(); }

int32_t memmap_pid_alive(int32_t pid) {
  if (pid <= 0) return 0;
  return kill((pid_t)pid, 0) == 0 || errno == EPERM ? 1 : 0;
}

/* ---- truncation guard ------------------------------------------------ */

#define GUARD_SLOTS 4096

struct guard_range {
  _Atomic uintptr_t start; /* 0: free slot */
  _Atomic uintptr_t end;
  _Atomic int64_t faults;
  atomic_flag busy; /* taken by the handler while it replaces pages */
};

static struct guard_range guard_ranges[GUARD_SLOTS];
static struct sigaction guard_previous;
static atomic_flag guard_install_lock = ATOMIC_FLAG_INIT;
static _Atomic int guard_next;
static int guard_probe_fd = -1; /* a memfd: pwrite from a page tells whether it is readable */

static int page_readable(uintptr_t page) {
  if (guard_probe_fd < 0) return 0;
  /* A system call reading an unbacked page returns EFAULT instead of raising SIGBUS. */
  return pwrite(guard_probe_fd, (const void *)page, 1, 0) == 1;
}

static void guard_chain(int sig, siginfo_t *info, void *context) {
  if (guard_previous.sa_flags & SA_SIGINFO) {
    if (guard_previous.sa_sigaction) {
      guard_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (guard_previous.sa_handler != SIG_DFL && guard_previous.sa_handler != SIG_IGN) {
    guard_previous.sa_handler(sig);
    return;
  }
  /* Default action: restore it and return; the faulting instruction runs again and the
     process dies of SIGBUS as it would have without us. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, NULL);
}

static void guard_handler(int sig, siginfo_t *info, void *context) {
  int saved_errno = errno;
  if (info != NULL && info->si_code == BUS_ADRERR) {
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < GUARD_SLOTS; i++) {
      struct guard_range *r = &guard_ranges[i];
      uintptr_t start = atomic_load(&r->start), end = atomic_load(&r->end);
      if (start == 0 || addr < start || addr >= end) continue;
      while (atomic_flag_test_and_set(&r->busy)) { /* another thread is replacing pages */ }
      uintptr_t page = addr & ~(page_size - 1);
      if (!page_readable(page)) {
        /* Everything from here to the end of the range is past the end of the file:
           replace it in one step, so a sequential scan faults once, not per page. */
#if defined(__linux__)
        long p = syscall(SYS_mmap, (void *)page, end - page, PROT_READ | PROT_WRITE,
                         MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        int ok = p != -1;
#else
        int ok = mmap((void *)page, end - page, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANON, -1, 0) != MAP_FAILED;
#endif
        if (ok) atomic_fetch_add(&r->faults, 1);
      }
      atomic_flag_clear(&r->busy);
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  guard_chain(sig, info, context);
}

/* Installs the handler, again if someone replaced it (a JS process.on('SIGBUS'), say). */
static int guard_install(void) {
  struct sigaction current;
  if (sigaction(SIGBUS, NULL, &current) < 0) return ERR(errno);
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == guard_handler) return 0;
  while (atomic_flag_test_and_set(&guard_install_lock)) {}
  if (guard_probe_fd < 0) guard_probe_fd = memmap_memfd_create("memmap-guard-probe");
  struct sigaction ours;
  memset(&ours, 0, sizeof ours);
  ours.sa_sigaction = guard_handler;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&ours.sa_mask);
  int r = sigaction(SIGBUS, &ours, &guard_previous) < 0 ? ERR(errno) : 0;
  atomic_flag_clear(&guard_install_lock);
  return r;
}

int32_t memmap_guard_add(int64_t addr, int64_t length) {
  if (addr <= 0 || length <= 0) return ERR(EINVAL);
  int r = guard_install();
  if (r < 0) return r;
  /* Start after the last slot taken, so thousands of live mappings do not make every add
     walk past them all. */
  int first = atomic_load(&guard_next);
  for (int n = 0; n < GUARD_SLOTS; n++) {
    int i = (first + n) % GUARD_SLOTS;
    uintptr_t expected = 0;
    if (atomic_load(&guard_ranges[i].start) != 0) continue;
    /* Claim the slot with a placeholder start, fill it, then publish the real start. */
    if (atomic_compare_exchange_strong(&guard_ranges[i].start, &expected, (uintptr_t)1)) {
      atomic_store(&guard_ranges[i].faults, 0);
      atomic_store(&guard_ranges[i].end, (uintptr_t)(addr + length));
      atomic_store(&guard_ranges[i].start, (uintptr_t)addr);
      atomic_store(&guard_next, (i + 1) % GUARD_SLOTS);
      return i;
    }
  }
  return ERR(ENOSPC);
}

int32_t memmap_guard_remove(int32_t slot) {
  if (slot < 0 || slot >= GUARD_SLOTS) return ERR(EINVAL);
  atomic_store(&guard_ranges[slot].end, 0);
  atomic_store(&guard_ranges[slot].start, 0);
  return 0;
}

int64_t memmap_guard_faults(int32_t slot) {
  if (slot < 0 || slot >= GUARD_SLOTS) return ERR(EINVAL);
  return atomic_load(&guard_ranges[slot].faults);
}

/* One table for every errno name memmap can report. */
#define MEMMAP_ERRNO_MAP(XX) \
  XX(EPERM) XX(ENOENT) XX(EINTR) XX(EIO) XX(ENXIO) XX(E2BIG) XX(EBADF) XX(EAGAIN) \
  XX(ENOMEM) XX(EACCES) XX(EFAULT) XX(EBUSY) XX(EEXIST) XX(EXDEV) XX(ENODEV) \
  XX(ENOTDIR) XX(EISDIR) XX(EINVAL) XX(ENFILE) XX(EMFILE) XX(ETXTBSY) XX(EFBIG) \
  XX(ENOSPC) XX(ESPIPE) XX(EROFS) XX(EMLINK) XX(EPIPE) XX(ERANGE) XX(ENAMETOOLONG) \
  XX(ENOSYS) XX(ENOTSUP) XX(EOVERFLOW) XX(ELOOP) XX(ETIMEDOUT) XX(EDQUOT) XX(ENOTEMPTY)

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
