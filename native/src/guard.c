/*
 * The truncation guard (Linux and macOS). A page of a file mapping past the
 * file's end raises SIGBUS when touched. For ranges registered here, the
 * handler maps zero pages instead and counts the fault; every other SIGBUS
 * goes to the handler that was installed before, as if we were not there.
 *
 * Threads: any thread may fault, add or remove at any time. Each slot has a
 * spin lock (busy) that the handler holds while it looks at the slot and
 * replaces pages, and that guard_add and guard_remove hold while they change
 * it, so the handler never acts on a range that was removed (and perhaps
 * unmapped and reused) after it first matched the address.
 *
 * Signal safety: the handler calls only async-signal-safe functions (no
 * sysconf, no malloc). It runs with SIGBUS blocked (no SA_NODEFER): a SIGBUS
 * raised inside it is then fatal at once instead of spinning on a lock the
 * interrupted frame holds.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#define GUARD_SLOTS 4096
/* A readable page that faults again and again is no truncation (see guard_resolve). */
#define GUARD_RETRIES 3
/* Faults further apart than this are separate events: the count starts again. */
#define GUARD_RETRY_WINDOW_NS 100000000LL
/* How often guard_add asks the kernel whether the handler is still ours (a JS
   process.on("SIGBUS") replaces it): at most 10 sigaction calls a second, not one per map. */
#define GUARD_RECHECK_NS 100000000LL

#if defined(MEMMAP_TEST_HOOKS)
void (*memmap_test_hook)(enum memmap_hook_point point, int slot);
#endif

struct guard_range {
  _Atomic uintptr_t start; /* 0: free; 1: being filled */
  _Atomic uintptr_t end;
  _Atomic int64_t faults;
  atomic_flag busy;
  /* Below: only read and written with busy held. */
  uintptr_t replaced;   /* the lowest page replaced so far; end when none */
  uintptr_t retry_page; /* the readable page that faulted last, and when, and how often */
  int64_t retry_at;
  int retries;
};

static struct guard_range guard_ranges[GUARD_SLOTS];
static _Atomic int guard_next;
static uintptr_t guard_page_size; /* set before the handler is first installed */

/* The disposition found before ours, read by the handler under a sequence lock: the
   writer (a reinstall) makes the count odd while it writes, readers copy and retry
   if it moved. Writers block SIGBUS, so no handler ever waits on its own thread. */
static struct sigaction guard_previous;
static _Atomic unsigned guard_previous_seq;
static _Atomic int guard_resethand_used; /* the previous handler had SA_RESETHAND and ran */

static atomic_flag guard_install_lock = ATOMIC_FLAG_INIT;
static _Atomic int guard_installed;
static _Atomic int64_t guard_checked_at;

#define GUARD_HANDLED 0
#define GUARD_NOT_OURS 1   /* the slot no longer holds the address: look further */
#define GUARD_UNRESOLVED 2 /* ours, but returning would fault again forever */

#if defined(__APPLE__)
/* XNU raises SIGBUS for any failed access other than an unmapped address
   (bsd/uxkern/ux_exception.c): a page past the end of a mapped file, but also a write to
   a read-only mapping. Its si_code says nothing (always BUS_ADRERR on x86_64, BUS_ADRALN
   on arm64), so every such SIGBUS in a guarded range is looked at, and a readable page
   the handler did not replace is not a truncation (guard_resolve). A signal sent with
   kill() carries SI_USER and is never taken for a fault. */
#define GUARD_FAULT_CODE(code) ((code) == BUS_ADRERR || (code) == BUS_ADRALN)

/* XNU's shm descriptors refuse read and write (fo_no_read/fo_no_write), so the probe is a
   pipe: write() from a page tells whether it is readable, and the byte is read back out.
   Non-blocking, so the handler never waits; every byte written is read at once. */
static int guard_probe[2] = {-1, -1};

static void probe_open(void) {
  int fds[2];
  if (guard_probe[1] >= 0 || pipe(fds) < 0) return;
  for (int i = 0; i < 2; i++) {
    (void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[i], F_SETFL, O_NONBLOCK);
  }
  guard_probe[0] = fds[0];
  guard_probe[1] = fds[1];
}

static int page_readable(uintptr_t page) {
  if (guard_probe[1] < 0) return 0;
  /* A system call reading an unbacked page returns EFAULT instead of raising SIGBUS. */
  if (write(guard_probe[1], (const void *)page, 1) == 1) {
    char byte;
    (void)read(guard_probe[0], &byte, 1);
    return 1;
  }
  return errno != EFAULT; /* the probe itself failed: say readable, the handler then leaves the page alone */
}

static void thread_sigmask(int how, const sigset_t *set, sigset_t *old) { pthread_sigmask(how, set, old); }

static int map_zero_pages(uintptr_t from, uintptr_t to) {
  /* libc's mmap is the bare system call on macOS (no syscall() there), safe here. */
  return mmap((void *)from, to - from, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANON, -1, 0) != MAP_FAILED;
}
#else
#define GUARD_FAULT_CODE(code) ((code) == BUS_ADRERR)

static int guard_probe_fd = -1; /* a memfd: pwrite from a page tells whether it is readable */

static void probe_open(void) {
  if (guard_probe_fd < 0) guard_probe_fd = memmap_memfd_create("memmap-guard-probe");
}

static int page_readable(uintptr_t page) {
  if (guard_probe_fd < 0) return 0;
  /* A system call reading an unbacked page returns EFAULT instead of raising SIGBUS;
     any other failure of the probe says nothing about the page. */
  return pwrite(guard_probe_fd, (const void *)page, 1, 0) == 1 || errno != EFAULT;
}

/* This thread's mask: sigprocmask is per thread on Linux, and glibc has pthread_sigmask in
   libc only from 2.32 (the -gnu builds need no glibc newer than 2.17). */
static void thread_sigmask(int how, const sigset_t *set, sigset_t *old) { sigprocmask(how, set, old); }

static int map_zero_pages(uintptr_t from, uintptr_t to) {
  /* The raw system call: glibc's mmap wrapper is not on the async-signal-safe list. */
  return syscall(SYS_mmap, (void *)from, to - from, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != -1;
}
#endif

static void slot_take(struct guard_range *r) {
  while (atomic_flag_test_and_set_explicit(&r->busy, memory_order_acquire)) { /* a handler or add/remove is inside */ }
}

static void slot_give(struct guard_range *r) { atomic_flag_clear_explicit(&r->busy, memory_order_release); }

static void previous_read(struct sigaction *out) {
  unsigned before, after;
  do {
    before = atomic_load(&guard_previous_seq);
    memcpy(out, &guard_previous, sizeof *out);
    atomic_thread_fence(memory_order_acquire);
    after = atomic_load(&guard_previous_seq);
  } while ((before & 1) || before != after);
}

/* Called with SIGBUS blocked in this thread and the install lock held. */
static void previous_write(const struct sigaction *action) {
  atomic_fetch_add(&guard_previous_seq, 1);
  atomic_thread_fence(memory_order_release);
  memcpy(&guard_previous, action, sizeof guard_previous);
  atomic_store(&guard_resethand_used, 0);
  atomic_fetch_add(&guard_previous_seq, 1);
}

/* Does what would have happened had our handler not been there. */
static void guard_chain(int sig, siginfo_t *info, void *context) {
  struct sigaction prev;
  previous_read(&prev);
  /* SA_RESETHAND: the kernel would have run it once, then the default. */
  int usable = !(prev.sa_flags & SA_RESETHAND) || atomic_exchange(&guard_resethand_used, 1) == 0;
  int siginfo = (prev.sa_flags & SA_SIGINFO) != 0;
  void (*plain)(int) = prev.sa_handler;
  int has_handler = usable && (siginfo ? prev.sa_sigaction != NULL : plain != SIG_DFL && plain != SIG_IGN);
  if (has_handler) {
    /* With the previous handler's own mask, as the kernel would have set it. */
    sigset_t old;
    thread_sigmask(SIG_BLOCK, &prev.sa_mask, &old);
    if (siginfo) prev.sa_sigaction(sig, info, context);
    else plain(sig);
    thread_sigmask(SIG_SETMASK, &old, NULL);
    return;
  }
  int fault = info != NULL && info->si_code > 0 && info->si_code != SI_USER;
  if (usable && !siginfo && plain == SIG_IGN && !fault) return; /* a sent SIGBUS that was ignored */
  /* The default action: the process dies of SIGBUS. A fault does so when the instruction
     runs again; a sent signal is raised again, pending until this handler returns. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, NULL);
  if (!fault) raise(sig);
}

/* With r->busy held: replace pages of r from addr's page on, if addr is ours to handle. */
static int guard_resolve(struct guard_range *r, uintptr_t addr) {
  uintptr_t start = atomic_load(&r->start), end = atomic_load(&r->end);
  if (start <= 1 || addr < start || addr >= end) return GUARD_NOT_OURS;
  MEMMAP_HOOK(MEMMAP_HOOK_HANDLER_HOLDING, (int)(r - guard_ranges));
  uintptr_t page = addr & ~(guard_page_size - 1);
  if (page >= r->replaced) return GUARD_HANDLED; /* replaced by another thread while this one waited */
  if (!page_readable(page)) {
    /* Everything from here on is past the end of the file: replace it in one step, so a
       sequential scan faults once, not per page. Stop at pages replaced before, so their
       zeros and whatever was written there since stay. */
    if (!map_zero_pages(page, r->replaced)) return GUARD_UNRESOLVED; /* out of memory or of mappings */
    r->replaced = page;
    r->retries = 0;
    atomic_fetch_add(&r->faults, 1);
    return GUARD_HANDLED;
  }
  /* Readable and not replaced by us: the file may have grown back since the fault, so run
     the access again; but the same page faulting again and again at once is no truncation
     (a write to a hole of a file on a full disk; on macOS a write to a read-only page), and
     returning would fault forever: then the signal goes on. */
  int64_t now = memmap_now_ns();
  if (page != r->retry_page || now - r->retry_at > GUARD_RETRY_WINDOW_NS) r->retries = 0;
  r->retry_page = page;
  r->retry_at = now;
  return ++r->retries > GUARD_RETRIES ? GUARD_UNRESOLVED : GUARD_HANDLED;
}

static void guard_handler(int sig, siginfo_t *info, void *context) {
  int saved_errno = errno;
  if (info != NULL && GUARD_FAULT_CODE(info->si_code)) {
    uintptr_t addr = (uintptr_t)info->si_addr;
    for (int i = 0; i < GUARD_SLOTS; i++) {
      struct guard_range *r = &guard_ranges[i];
      uintptr_t start = atomic_load(&r->start), end = atomic_load(&r->end);
      if (start <= 1 || addr < start || addr >= end) continue;
      MEMMAP_HOOK(MEMMAP_HOOK_HANDLER_MATCHED, i);
      slot_take(r);
      int verdict = guard_resolve(r, addr); /* looks at the slot again, now that it holds it */
      slot_give(r);
      if (verdict == GUARD_HANDLED) {
        errno = saved_errno;
        return;
      }
      if (verdict == GUARD_UNRESOLVED) break;
    }
  }
  errno = saved_errno;
  guard_chain(sig, info, context);
}

static int is_ours(const struct sigaction *action) {
  return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == guard_handler;
}

static int same_handler(const struct sigaction *a, const struct sigaction *b) {
  return a->sa_flags == b->sa_flags && ((a->sa_flags & SA_SIGINFO) ? a->sa_sigaction == b->sa_sigaction : a->sa_handler == b->sa_handler);
}

/* Installs the handler, again if someone replaced it. One thread at a time, and the
   check is made again under the lock: two threads that both saw a foreign handler must
   not both install, or the second would record ours as the previous one. */
static int guard_install(int64_t now) {
  MEMMAP_HOOK(MEMMAP_HOOK_INSTALL, -1);
  while (atomic_flag_test_and_set_explicit(&guard_install_lock, memory_order_acquire)) {}
  int r = 0;
  struct sigaction current;
  if (sigaction(SIGBUS, NULL, &current) < 0) {
    r = ERR(errno);
  } else if (!is_ours(&current)) {
    if (guard_page_size == 0) guard_page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    probe_open();
    struct sigaction ours, replaced;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = guard_handler;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    sigset_t bus, old;
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    thread_sigmask(SIG_BLOCK, &bus, &old);
    previous_write(&current);
    if (sigaction(SIGBUS, &ours, &replaced) < 0) {
      r = ERR(errno);
    } else if (!is_ours(&replaced) && !same_handler(&replaced, &current)) {
      previous_write(&replaced); /* changed between the two calls: chain to the newer one */
    }
    thread_sigmask(SIG_SETMASK, &old, NULL);
  }
  if (r == 0) {
    atomic_store(&guard_checked_at, now);
    atomic_store(&guard_installed, 1);
  }
  atomic_flag_clear_explicit(&guard_install_lock, memory_order_release);
  return r;
}

int32_t memmap_guard_add(int64_t addr, int64_t length) {
  if (addr <= 0 || length <= 0) return ERR(EINVAL);
  int64_t now = memmap_now_ns();
  if (!atomic_load(&guard_installed) || now - atomic_load(&guard_checked_at) > GUARD_RECHECK_NS) {
    int r = guard_install(now);
    if (r < 0) return r;
  }
  /* Start after the last slot taken, so thousands of live mappings do not make every add
     walk past them all. */
  int first = atomic_load(&guard_next);
  for (int n = 0; n < GUARD_SLOTS; n++) {
    int i = (first + n) % GUARD_SLOTS;
    struct guard_range *r = &guard_ranges[i];
    uintptr_t expected = 0;
    if (atomic_load(&r->start) != 0) continue;
    /* Claim the slot with a placeholder start, fill it, then publish the real start. */
    if (atomic_compare_exchange_strong(&r->start, &expected, (uintptr_t)1)) {
      slot_take(r);
      atomic_store(&r->faults, 0);
      atomic_store(&r->end, (uintptr_t)(addr + length));
      r->replaced = (uintptr_t)(addr + length);
      r->retry_page = 0;
      r->retry_at = 0;
      r->retries = 0;
      atomic_store(&r->start, (uintptr_t)addr);
      slot_give(r);
      atomic_store(&guard_next, (i + 1) % GUARD_SLOTS);
      return i;
    }
  }
  return ERR(ENOSPC);
}

int32_t memmap_guard_remove(int32_t slot) {
  if (slot < 0 || slot >= GUARD_SLOTS) return ERR(EINVAL);
  struct guard_range *r = &guard_ranges[slot];
  /* Waits out a handler inside the slot; one that comes later finds it empty. Either way
     none maps zero pages over what the caller maps at this address after unmapping it. */
  slot_take(r);
  atomic_store(&r->end, 0);
  atomic_store(&r->start, 0);
  slot_give(r);
  return 0;
}

int64_t memmap_guard_faults(int32_t slot) {
  if (slot < 0 || slot >= GUARD_SLOTS) return ERR(EINVAL);
  return atomic_load(&guard_ranges[slot].faults);
}
