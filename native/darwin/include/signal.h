/* Hand-written for the macOS build (no SDK here). <signal.h> and <sys/signal.h> for LP64. */
#ifndef MEMMAP_DARWIN_SIGNAL_H
#define MEMMAP_DARWIN_SIGNAL_H

#include <sys/types.h>

#define SIGBUS 10

typedef uint32_t sigset_t; /* __darwin_sigset_t */

union sigval {
  int sival_int;
  void *sival_ptr;
};

typedef struct __siginfo {
  int si_signo;           /*  0 */
  int si_errno;           /*  4 */
  int si_code;            /*  8 */
  pid_t si_pid;           /* 12 */
  uid_t si_uid;           /* 16 */
  int si_status;          /* 20 */
  void *si_addr;          /* 24: the faulting address for SIGBUS/SIGSEGV */
  union sigval si_value;  /* 32 */
  long si_band;           /* 40 */
  unsigned long __pad[7]; /* 48; sizeof 104 */
} siginfo_t;

/* SIGBUS codes. XNU does not tell causes apart: x86_64 always reports BUS_ADRERR,
   arm64 always BUS_ADRALN (bsd/dev/i386/unix_signal.c, bsd/dev/arm/unix_signal.c). */
#define BUS_ADRALN 1
#define BUS_ADRERR 2

union __sigaction_u {
  void (*__sa_handler)(int);
  void (*__sa_sigaction)(int, struct __siginfo *, void *);
};

/* The user-space struct sigaction (libc adds the trampoline for the kernel). */
struct sigaction {
  union __sigaction_u __sigaction_u; /*  0 */
  sigset_t sa_mask;                  /*  8 */
  int sa_flags;                      /* 12; sizeof 16 */
};
#define sa_handler __sigaction_u.__sa_handler
#define sa_sigaction __sigaction_u.__sa_sigaction

#define SA_ONSTACK 0x0001
#define SA_RESETHAND 0x0004
#define SA_NODEFER 0x0010
#define SA_SIGINFO 0x0040

#define SIG_DFL ((void (*)(int))0)
#define SIG_IGN ((void (*)(int))1)

/* si_code of a signal sent with kill() */
#define SI_USER 0x10001

#define SIG_BLOCK 1
#define SIG_SETMASK 3

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old);
int kill(pid_t pid, int sig);
int raise(int sig);
int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old);
/* As in the SDK: sigset_t is one word, a bit per signal (__DARWIN_NSIG is 32). */
static __inline__ __attribute__((__always_inline__)) int __sigbits(int __signo) {
  return __signo > 32 ? 0 : (1 << (__signo - 1));
}
#define sigemptyset(set) (*(set) = 0, 0)
#define sigaddset(set, signo) (*(set) |= __sigbits(signo), 0)

#endif
