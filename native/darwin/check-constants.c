/*
 * The hand-written macOS declarations, checked. native/scripts/check-darwin-headers.ts
 * compiles this file for x86_64 and arm64 twice: against native/darwin/include and against
 * real macOS SDK headers. Each assertion below holds under both, so the two agree on every
 * value, type, layout and prototype listed here. Not covered, because no public header has
 * them: the private ulock calls and the os_sync_* functions (macOS 14.4), which darwin.c
 * declares itself from xnu's bsd/sys/ulock.h and Apple's os_sync_wait_on_address.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EQ(a, b) _Static_assert((a) == (b), #a " == " #b)
#define TYPE(t, u) _Static_assert(_Generic((t)0, u: 1, default: 0), #t " is " #u)
#define AT(s, f, off) _Static_assert(offsetof(s, f) == (off), #s "." #f " at " #off)
#define SIZE(s, n) _Static_assert(sizeof(s) == (n), "sizeof " #s " == " #n)

/* errno.h */
EQ(EPERM, 1); EQ(ENOENT, 2); EQ(ESRCH, 3); EQ(EINTR, 4); EQ(EIO, 5); EQ(ENXIO, 6); EQ(E2BIG, 7);
EQ(EBADF, 9); EQ(ENOMEM, 12); EQ(EACCES, 13); EQ(EFAULT, 14); EQ(EBUSY, 16); EQ(EEXIST, 17);
EQ(EXDEV, 18); EQ(ENODEV, 19); EQ(ENOTDIR, 20); EQ(EISDIR, 21); EQ(EINVAL, 22); EQ(ENFILE, 23);
EQ(EMFILE, 24); EQ(ENOTTY, 25); EQ(ETXTBSY, 26); EQ(EFBIG, 27); EQ(ENOSPC, 28); EQ(ESPIPE, 29);
EQ(EROFS, 30); EQ(EMLINK, 31); EQ(EPIPE, 32); EQ(ERANGE, 34); EQ(EAGAIN, 35);
EQ(ENOTSUP, 45); EQ(ETIMEDOUT, 60); EQ(ELOOP, 62); EQ(ENAMETOOLONG, 63); EQ(ENOTEMPTY, 66);
EQ(EDQUOT, 69); EQ(ENOSYS, 78); EQ(EOVERFLOW, 84); EQ(EOPNOTSUPP, 102);
int *__error(void);

/* fcntl.h */
EQ(O_RDONLY, 0); EQ(O_WRONLY, 1); EQ(O_RDWR, 2); EQ(O_ACCMODE, 3); EQ(O_NONBLOCK, 4);
EQ(O_CREAT, 0x200); EQ(O_TRUNC, 0x400); EQ(O_EXCL, 0x800);
EQ(O_CLOEXEC, 0x01000000);
EQ(F_GETFD, 1); EQ(F_SETFD, 2); EQ(F_GETFL, 3); EQ(F_SETFL, 4); EQ(F_FULLFSYNC, 51); EQ(FD_CLOEXEC, 1);
int open(const char *path, int oflag, ...);
int fcntl(int fd, int cmd, ...);

/* unistd.h */
EQ(SEEK_HOLE, 3); EQ(SEEK_DATA, 4);
EQ(_SC_PAGESIZE, 29);
int close(int fd);
ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int pipe(int fds[2]);
int ftruncate(int fd, off_t length);
int fsync(int fd);
off_t lseek(int fd, off_t offset, int whence);
int link(const char *from, const char *to);
int unlink(const char *path);
pid_t getpid(void);
long sysconf(int name);

/* sys/types.h */
TYPE(ssize_t, long); TYPE(off_t, long long); TYPE(mode_t, unsigned short); TYPE(pid_t, int);
TYPE(dev_t, int); TYPE(ino_t, unsigned long long); TYPE(uid_t, unsigned int);
TYPE(gid_t, unsigned int); TYPE(nlink_t, unsigned short); TYPE(blkcnt_t, long long);
TYPE(blksize_t, int); TYPE(time_t, long); TYPE(size_t, unsigned long);
AT(struct timespec, tv_sec, 0); AT(struct timespec, tv_nsec, 8); SIZE(struct timespec, 16);

/* sys/mman.h */
EQ(PROT_READ, 1); EQ(PROT_WRITE, 2);
EQ(MAP_SHARED, 1); EQ(MAP_PRIVATE, 2); EQ(MAP_FIXED, 0x10); EQ(MAP_NORESERVE, 0x40); EQ(MAP_ANON, 0x1000);
EQ(MS_ASYNC, 1); EQ(MS_SYNC, 0x10);
EQ(MADV_NORMAL, 0); EQ(MADV_RANDOM, 1); EQ(MADV_SEQUENTIAL, 2); EQ(MADV_WILLNEED, 3); EQ(MADV_DONTNEED, 4);
#if defined(MAP_POPULATE) || defined(MADV_HUGEPAGE) || defined(MADV_NOHUGEPAGE) || defined(MADV_POPULATE_READ)
#error "darwin.c takes these as Linux-only: macOS must not define them"
#endif
void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int munmap(void *addr, size_t length);
int msync(void *addr, size_t length, int flags);
int madvise(void *addr, size_t length, int advice);
int mlock(const void *addr, size_t length);
int munlock(const void *addr, size_t length);
int mincore(const void *addr, size_t length, char *vec);
int shm_open(const char *name, int oflag, ...);
int shm_unlink(const char *name);

/* sys/stat.h: the 64-bit-inode layout */
AT(struct stat, st_dev, 0); AT(struct stat, st_mode, 4); AT(struct stat, st_nlink, 6);
AT(struct stat, st_ino, 8); AT(struct stat, st_uid, 16); AT(struct stat, st_gid, 20);
AT(struct stat, st_rdev, 24); AT(struct stat, st_atimespec, 32); AT(struct stat, st_mtimespec, 48);
AT(struct stat, st_ctimespec, 64); AT(struct stat, st_birthtimespec, 80); AT(struct stat, st_size, 96);
AT(struct stat, st_blocks, 104); AT(struct stat, st_blksize, 112); AT(struct stat, st_flags, 116);
AT(struct stat, st_gen, 120); AT(struct stat, st_lspare, 124); AT(struct stat, st_qspare, 128);
SIZE(struct stat, 144);
EQ(S_IFMT, 0170000); EQ(S_IFDIR, 0040000); EQ(S_IFREG, 0100000);
EQ(S_ISREG(0100644), 1); EQ(S_ISDIR(0100644), 0); EQ(S_ISDIR(0040755), 1);
int fstat(int fd, struct stat *st); /* which symbol it binds is checked with llvm-nm */
int fchmod(int fd, mode_t mode);
mode_t umask(mode_t mask);

/* sys/wait.h */
EQ(P_PID, 1); EQ(WNOHANG, 0x1); EQ(WEXITED, 0x4); EQ(WNOWAIT, 0x20); EQ(CLD_EXITED, 1);
TYPE(id_t, unsigned int);
int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options);

/* signal.h */
EQ(SIGBUS, 10); EQ(BUS_ADRALN, 1); EQ(BUS_ADRERR, 2);
EQ(SA_ONSTACK, 0x1); EQ(SA_RESETHAND, 0x4); EQ(SA_NODEFER, 0x10); EQ(SA_SIGINFO, 0x40);
EQ(SI_USER, 0x10001); EQ(SIG_BLOCK, 1); EQ(SIG_SETMASK, 3);
TYPE(sigset_t, unsigned int);
AT(siginfo_t, si_signo, 0); AT(siginfo_t, si_errno, 4); AT(siginfo_t, si_code, 8);
AT(siginfo_t, si_pid, 12); AT(siginfo_t, si_uid, 16); AT(siginfo_t, si_status, 20);
AT(siginfo_t, si_addr, 24); AT(siginfo_t, si_value, 32); AT(siginfo_t, si_band, 40);
SIZE(siginfo_t, 104);
AT(struct sigaction, sa_handler, 0); AT(struct sigaction, sa_sigaction, 0);
AT(struct sigaction, sa_mask, 8); AT(struct sigaction, sa_flags, 12); SIZE(struct sigaction, 16);
int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old);
int kill(pid_t pid, int sig);
int raise(int sig);
int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old);

/* sched.h, stdio.h, stdlib.h, string.h, time.h */
int sched_yield(void);
int snprintf(char *restrict buf, size_t size, const char *restrict format, ...);
int rename(const char *from, const char *to);
uint32_t arc4random(void);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strnlen(const char *s, size_t max);
char *strerror(int err);
EQ(CLOCK_MONOTONIC, 6);
TYPE(clockid_t, unsigned int);
int clock_gettime(clockid_t clock, struct timespec *ts);
