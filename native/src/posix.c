/*
 * memmap libc shim, the calls Linux and macOS make alike. Each function validates,
 * makes one system call, and returns the result or -errno read immediately after
 * the call. What differs per OS is in linux.c and darwin.c.
 */
#define _GNU_SOURCE
#include "posix.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int64_t memmap_page_size(void) { return (int64_t)sysconf(_SC_PAGESIZE); }

int32_t memmap_open(const char *path, int32_t flags, int32_t mode) {
  if (path == NULL) return ERR(EINVAL);
  int fd;
  do fd = open(path, posix_open_flags(flags), (mode_t)mode);
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
  if (memmap_os_fstat(fd, &st) < 0) return ERR(errno);
  out[MEMMAP_STAT_SIZE] = (int64_t)st.st_size;
  out[MEMMAP_STAT_KIND] = S_ISREG(st.st_mode) ? MEMMAP_KIND_FILE : S_ISDIR(st.st_mode) ? MEMMAP_KIND_DIRECTORY : MEMMAP_KIND_OTHER;
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

int32_t memmap_mlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  return mlock(ADDR(addr), (size_t)length) < 0 ? ERR(errno) : 0;
}

int32_t memmap_munlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  return munlock(ADDR(addr), (size_t)length) < 0 ? ERR(errno) : 0;
}

int32_t memmap_fchmod(int32_t fd, int32_t mode) {
  return fchmod(fd, (mode_t)mode) < 0 ? ERR(errno) : 0;
}

int64_t memmap_seek_data(int32_t fd, int64_t offset) {
  off_t r = lseek(fd, (off_t)offset, SEEK_DATA);
  return r < 0 ? ERR(errno) : (int64_t)r;
}

int64_t memmap_seek_hole(int32_t fd, int64_t offset) {
  off_t r = lseek(fd, (off_t)offset, SEEK_HOLE);
  return r < 0 ? ERR(errno) : (int64_t)r;
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

int64_t memmap_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void memmap_yield(void) { sched_yield(); }

/* macOS declares mincore(const void *, size_t, char *), Linux with unsigned char. */
#if defined(__APPLE__)
typedef char mincore_vec;
#else
typedef unsigned char mincore_vec;
#endif

/* Page residency (mincore): one byte per page of [addr, addr + length) into out, 1 when the
   page is in RAM, else 0 (the kernel's other bits are masked off). addr is page-aligned. */
int32_t memmap_mincore(int64_t addr, int64_t length, uint8_t *out) {
  if (length < 0 || out == NULL) return ERR(EINVAL);
  if (length == 0) return 0;
  if (mincore(ADDR(addr), (size_t)length, (mincore_vec *)out) < 0) return ERR(errno);
  int64_t page = (int64_t)sysconf(_SC_PAGESIZE);
  for (int64_t i = 0, n = (length + page - 1) / page; i < n; i++) out[i] &= 1;
  return 0;
}

/* WNOWAIT leaves the child to be reaped by whoever reaps it anyway (the runtime's event
   loop): this only reads how it ended, which a parent blocked in a wait could not learn
   otherwise. */
int32_t memmap_child_exit(int32_t pid) {
  if (pid <= 0) return ERR(EINVAL);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int r;
  do r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ERR(errno);
  if (info.si_pid == 0) return ERR(EAGAIN); /* still running */
  return info.si_code == CLD_EXITED ? (info.si_status & 0xff) : 256 + info.si_status;
}
