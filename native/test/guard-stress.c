/*
 * The truncation guard under threads. Built from the shim's sources with
 * MEMMAP_TEST_HOOKS (so a test can hold a thread at a chosen point) by
 * native/scripts/guard-stress.ts, plainly and under AddressSanitizer.
 * Each case runs in a child process, so a case that crashes (a handler calling
 * itself until the stack overflows, say) is reported as failed, not fatal.
 * Usage: guard-stress <scratch-dir> [iterations]
 */
#define _GNU_SOURCE
#include "../src/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *scratch;
static long page;

#define FAIL(...)                                 \
  do {                                            \
    fprintf(stderr, "FAIL line %d: ", __LINE__);  \
    fprintf(stderr, __VA_ARGS__);                 \
    fputc('\n', stderr);                          \
    _exit(1);                                     \
  } while (0)
#define CHECK(cond, ...) \
  do {                   \
    if (!(cond)) FAIL(__VA_ARGS__); \
  } while (0)

/* A file of `pages` pages in the scratch folder, already unlinked: only the descriptor names it. */
static int scratch_file(const char *tag, int pages) {
  char path[4096];
  snprintf(path, sizeof path, "%s/guard-%s-%d-%lx.bin", scratch, tag, (int)getpid(), (unsigned long)pthread_self());
  int fd = memmap_open(path, MEMMAP_OPEN_WRITE | MEMMAP_OPEN_CREATE | MEMMAP_OPEN_EXCL, 0600);
  CHECK(fd >= 0, "open %s: %d", path, fd);
  unlink(path);
  CHECK(memmap_ftruncate(fd, (int64_t)pages * page) == 0, "ftruncate");
  return fd;
}

static char *map_shared(int fd, int pages) {
  int64_t a = memmap_mmap((int64_t)pages * page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, fd, 0);
  CHECK(a > 0, "mmap: %lld", (long long)a);
  return (char *)(uintptr_t)a;
}

/* The SIGBUS handler that was there before memmap's: counts what reaches it, and jumps
   out when the faulting thread armed an escape (a foreign fault would fault forever). */
static _Atomic int previous_calls;
static _Thread_local sigjmp_buf *escape;

static void previous_handler(int sig, siginfo_t *info, void *context) {
  (void)sig; (void)context;
  atomic_fetch_add(&previous_calls, 1);
  if (escape) siglongjmp(*escape, 1);
  if (info->si_code == BUS_ADRERR) {
    /* A fault where the test expected the guard to act: returning would fault forever. */
    static const char message[] = "FAIL: a fault in a guarded range reached the previous handler\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(1);
  }
}

static void install_previous(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = previous_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction");
}

/* ---- hooks: a point where the test holds a thread ---- */

static _Atomic int hook_wanted = -1; /* the point to stop at, or -1 */
static _Atomic int hook_arrived, hook_release;
static _Atomic int hook_parties = 1;

static _Atomic int hook_jitter; /* the stress case: widen every window a little, at random */
static _Thread_local unsigned jitter_seed = 1;

static void hook(enum memmap_hook_point point, int slot) {
  (void)slot;
  if (atomic_load(&hook_jitter)) {
    jitter_seed = jitter_seed * 1103515245u + 12345u;
    for (unsigned n = (jitter_seed >> 16) % 4; n > 0; n--) sched_yield();
    return;
  }
  if ((int)point != atomic_load(&hook_wanted)) return;
  atomic_fetch_add(&hook_arrived, 1);
  /* Until the test releases it, or (a barrier) until every party has arrived. */
  while (!atomic_load(&hook_release) && atomic_load(&hook_arrived) < atomic_load(&hook_parties)) sched_yield();
}

static void hold_at(enum memmap_hook_point point, int parties) {
  atomic_store(&hook_arrived, 0);
  atomic_store(&hook_release, 0);
  atomic_store(&hook_parties, parties > 1 ? parties : 1 << 30);
  atomic_store(&hook_wanted, (int)point);
}

static void wait_arrived(int n) {
  while (atomic_load(&hook_arrived) < n) sched_yield();
}

/* ---- case 1: two threads install at once ---- */

static _Atomic int64_t add_result[2];
static int install_fd;

static void *add_thread(void *arg) {
  int k = (int)(intptr_t)arg;
  char *a = map_shared(install_fd, 1);
  add_result[k] = memmap_guard_add((int64_t)(uintptr_t)a, page);
  return NULL;
}

static void case_concurrent_install(void) {
  install_previous();
  install_fd = scratch_file("install", 1);
  hold_at(MEMMAP_HOOK_INSTALL, 2); /* a barrier: both threads decided to install before either goes on */
  pthread_t t[2];
  for (int k = 0; k < 2; k++) pthread_create(&t[k], NULL, add_thread, (void *)(intptr_t)k);
  for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
  atomic_store(&hook_wanted, -1);
  CHECK(add_result[0] >= 0 && add_result[1] >= 0, "guard_add: %lld %lld", (long long)add_result[0], (long long)add_result[1]);
  CHECK(atomic_load(&hook_arrived) == 2, "both threads reached the install point (%d)", atomic_load(&hook_arrived));
  /* A SIGBUS that is no fault of ours must reach the previous handler exactly once. */
  raise(SIGBUS);
  CHECK(atomic_load(&previous_calls) == 1, "the previous handler ran %d times", atomic_load(&previous_calls));
}

/* ---- case 2: guard_remove and munmap while a handler is between its check and its work ---- */

static char *race_addr;
static _Atomic int race_escaped;

static void *fault_thread(void *arg) {
  (void)arg;
  sigjmp_buf here;
  escape = &here;
  if (sigsetjmp(here, 1) == 0) {
    volatile char c = race_addr[0]; /* past the end of the truncated file */
    (void)c;
  } else {
    atomic_store(&race_escaped, 1);
  }
  escape = NULL;
  return NULL;
}

/* Whether /proc/self/maps shows a file mapping (with an inode) at addr. */
static int file_mapped_at(const void *addr) {
  FILE *maps = fopen("/proc/self/maps", "r");
  CHECK(maps != NULL, "open /proc/self/maps");
  char line[4096];
  int found = 0;
  while (fgets(line, sizeof line, maps)) {
    unsigned long from, to, offset, inode;
    char perms[8], dev[16];
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &from, &to, perms, &offset, dev, &inode) == 6 &&
        (uintptr_t)addr >= from && (uintptr_t)addr < to) {
      found = inode != 0;
      break;
    }
  }
  fclose(maps);
  return found;
}

static void case_remove_during_handler(void) {
  install_previous();
  int fd = scratch_file("race", 2);
  race_addr = map_shared(fd, 2);
  int32_t slot = memmap_guard_add((int64_t)(uintptr_t)race_addr, 2 * page);
  CHECK(slot >= 0, "guard_add");
  CHECK(memmap_ftruncate(fd, 0) == 0, "truncate");

  hold_at(MEMMAP_HOOK_HANDLER_MATCHED, 0);
  pthread_t t;
  pthread_create(&t, NULL, fault_thread, NULL);
  wait_arrived(1); /* the handler matched the slot and is held there */

  /* The mapping goes, and a file memmap does not guard takes its address (also past its
     end, so a stale handler would find its pages unreadable and replace them). */
  CHECK(memmap_guard_remove(slot) == 0, "guard_remove");
  CHECK(memmap_munmap((int64_t)(uintptr_t)race_addr, 2 * page) == 0, "munmap");
  int other = scratch_file("other", 0);
  void *reused = mmap(race_addr, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, other, 0);
  CHECK(reused == race_addr, "map another file at the same address");

  atomic_store(&hook_release, 1);
  pthread_join(t, NULL);
  atomic_store(&hook_wanted, -1);
  CHECK(file_mapped_at(race_addr), "the handler mapped zero pages over a mapping memmap does not own");
  CHECK(atomic_load(&race_escaped) && atomic_load(&previous_calls) == 1,
        "the fault, no longer in a guarded range, reached the previous handler (%d calls)", atomic_load(&previous_calls));
}

/* ---- case 3: many threads mapping, truncating, faulting and unmapping ---- */

#define STRESS_THREADS 4
#define STRESS_PAGES 4
static long stress_iterations;
static int shared_fd;
static _Atomic int64_t absorbed;

static void *stress_thread(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
  int fd = scratch_file("stress", STRESS_PAGES);
  for (long n = 0; n < stress_iterations; n++) {
    seed = seed * 1103515245u + 12345u;
    int shared = (seed >> 8) % 4 == 0;
    int use = shared ? shared_fd : fd;
    if (!shared) {
      CHECK(memmap_ftruncate(fd, STRESS_PAGES * page) == 0, "regrow");
      for (int p = 0; p < STRESS_PAGES; p++) {
        char b = (char)(n + p + 1);
        CHECK(pwrite(fd, &b, 1, (off_t)p * page) == 1, "pwrite");
      }
    }
    char *a = map_shared(use, STRESS_PAGES);
    int32_t slot = memmap_guard_add((int64_t)(uintptr_t)a, STRESS_PAGES * page);
    CHECK(slot >= 0, "guard_add: %d", slot);
    if (!shared) {
      /* Fresh pages of our own file: a stale handler of another thread replacing them
         would show here as zeros. */
      for (int p = 0; p < STRESS_PAGES; p++) CHECK(a[(size_t)p * page] == (char)(n + p + 1), "page %d of a fresh mapping lost its data", p);
      if ((seed >> 4) % 2) {
        CHECK(memmap_ftruncate(fd, page) == 0, "truncate");
        for (int p = 1; p < STRESS_PAGES; p++) CHECK(a[(size_t)p * page] == 0, "a page past the end reads 0");
        a[2 * (size_t)page] = 7; /* a write there is absorbed too */
        CHECK(memmap_guard_faults(slot) >= 1, "faults counted");
      }
    } else {
      /* The shared file shrinks and grows under every thread's mappings at once. */
      if ((seed >> 12) % 8 == 0) CHECK(memmap_ftruncate(shared_fd, (int64_t)((seed >> 16) % (STRESS_PAGES + 1)) * page) == 0, "resize shared");
      for (int p = 0; p < STRESS_PAGES; p++) (void)*(volatile char *)(a + (size_t)p * page);
    }
    atomic_fetch_add(&absorbed, memmap_guard_faults(slot));
    CHECK(memmap_guard_remove(slot) == 0, "guard_remove");
    CHECK(memmap_munmap((int64_t)(uintptr_t)a, STRESS_PAGES * page) == 0, "munmap");
  }
  memmap_close(fd);
  return NULL;
}

static void case_stress(void) {
  install_previous();
  atomic_store(&hook_jitter, 1);
  shared_fd = scratch_file("shared", STRESS_PAGES);
  pthread_t t[STRESS_THREADS];
  for (int k = 0; k < STRESS_THREADS; k++) pthread_create(&t[k], NULL, stress_thread, (void *)(intptr_t)(k + 1));
  for (int k = 0; k < STRESS_THREADS; k++) pthread_join(t[k], NULL);
  CHECK(atomic_load(&absorbed) > 0, "no fault was absorbed");
  printf("  %ld iterations in %d threads, %lld faults absorbed\n", stress_iterations * STRESS_THREADS, STRESS_THREADS,
         (long long)atomic_load(&absorbed));
}

/* ---- case 4: faults on another thread's mapping while it is swapped for one memmap does not guard ---- */

#define SWAP_TOUCHERS 2
static char *swap_addr; /* always mapped: the owner swaps what is there with MAP_FIXED */
static _Atomic int swap_done;
static long swap_rounds;

/* With an escape armed: whether touching p went to the previous handler (a fault no guard took). */
static int faults_at(char *p) {
  sigjmp_buf here;
  int faulted = 0;
  escape = &here;
  if (sigsetjmp(here, 1) == 0) (void)*(volatile char *)p;
  else faulted = 1;
  escape = NULL;
  return faulted;
}

static void *toucher_thread(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  while (!atomic_load(&swap_done)) {
    seed = seed * 1103515245u + 12345u;
    (void)faults_at(swap_addr + (size_t)((seed >> 16) % STRESS_PAGES) * page);
  }
  return NULL;
}

static void case_swap(void) {
  install_previous();
  atomic_store(&hook_jitter, 1);
  int guarded = scratch_file("swap-guarded", 0), foreign = scratch_file("swap-foreign", 0);
  swap_addr = map_shared(foreign, STRESS_PAGES);
  pthread_t t[SWAP_TOUCHERS];
  for (int k = 0; k < SWAP_TOUCHERS; k++) pthread_create(&t[k], NULL, toucher_thread, (void *)(intptr_t)(k + 1));
  for (long n = 0; n < swap_rounds; n++) {
    size_t length = STRESS_PAGES * (size_t)page;
    CHECK(mmap(swap_addr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, guarded, 0) == swap_addr, "map the guarded file");
    int32_t slot = memmap_guard_add((int64_t)(uintptr_t)swap_addr, (int64_t)length);
    CHECK(slot >= 0, "guard_add");
    for (int k = 0; k < 3; k++) sched_yield(); /* the touchers fault in it meanwhile */
    CHECK(memmap_guard_remove(slot) == 0, "guard_remove");
    CHECK(mmap(swap_addr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, foreign, 0) == swap_addr, "map the foreign file");
    /* A handler that matched the old range must not act on what is mapped there now. */
    for (int p = 0; p < STRESS_PAGES; p++) CHECK(faults_at(swap_addr + (size_t)p * page), "round %ld: page %d of a mapping memmap does not own was replaced", n, p);
  }
  atomic_store(&swap_done, 1);
  for (int k = 0; k < SWAP_TOUCHERS; k++) pthread_join(t[k], NULL);
  printf("  %ld swaps under %d threads faulting on them\n", swap_rounds, SWAP_TOUCHERS);
}

/* ---- case 5: transient faults, spaced out, never leave a mapping unguarded ---- */

static char *transient_addr;
static int transient_fd;

static void *transient_thread(void *arg) {
  (void)arg;
  CHECK(!faults_at(transient_addr), "the guard let a fault through to the previous handler");
  return NULL;
}

static void case_transient(void) {
  install_previous();
  transient_fd = scratch_file("transient", 1);
  transient_addr = map_shared(transient_fd, 1);
  int32_t slot = memmap_guard_add((int64_t)(uintptr_t)transient_addr, page);
  CHECK(slot >= 0, "guard_add");
  /* Each event: the file shrinks, a thread faults, and the file grows back before the
     handler looks, so the page is readable and the access simply runs again. */
  for (int event = 0; event < 5; event++) {
    CHECK(memmap_ftruncate(transient_fd, 0) == 0, "truncate");
    hold_at(MEMMAP_HOOK_HANDLER_MATCHED, 0);
    pthread_t t;
    pthread_create(&t, NULL, transient_thread, NULL);
    wait_arrived(1);
    CHECK(memmap_ftruncate(transient_fd, page) == 0, "grow back");
    atomic_store(&hook_release, 1);
    pthread_join(t, NULL);
    atomic_store(&hook_wanted, -1);
    usleep(150000); /* apart by more than the handler's retry window: separate events */
  }
  /* A real truncation afterwards is still absorbed. */
  CHECK(memmap_ftruncate(transient_fd, 0) == 0, "truncate");
  CHECK(!faults_at(transient_addr) && memmap_guard_faults(slot) == 1, "a truncation after transient faults is absorbed");
}

/* ---- case 6: a SIGBUS inside the handler ends the process instead of deadlocking ---- */

static char *nested_addr;

static void nested_hook(enum memmap_hook_point point, int slot) {
  (void)slot;
  /* Inside the handler, holding the slot: fault on the same guarded, truncated page. */
  if (point == MEMMAP_HOOK_HANDLER_HOLDING) (void)*(volatile char *)nested_addr;
}

static void case_nested(void) {
  int fd = scratch_file("nested", 1);
  nested_addr = map_shared(fd, 1);
  CHECK(memmap_guard_add((int64_t)(uintptr_t)nested_addr, page) >= 0, "guard_add");
  CHECK(memmap_ftruncate(fd, 0) == 0, "truncate");
  memmap_test_hook = nested_hook;
  (void)*(volatile char *)nested_addr;
  FAIL("the nested fault was absorbed; it cannot be");
}

/* Runs a case that must end the process with `signal` (not hang, not survive). */
static int run_dies(const char *name, void (*body)(void), int signal) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    alarm(30);
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  int ok = WIFSIGNALED(status) && WTERMSIG(status) == signal;
  if (!ok) fprintf(stderr, "FAIL %s: %s\n", name, WIFSIGNALED(status) ? (WTERMSIG(status) == SIGALRM ? "hung (timed out after 30 s)" : strsignal(WTERMSIG(status))) : "exited");
  printf("%s %s\n", ok ? "ok  " : "FAIL", name);
  return ok;
}

/* ---- case 7: no sigaction call per map ---- */

/* Linked with -Wl,--wrap=sigaction: every sigaction() call in the program comes here. */
static _Atomic int sigaction_calls;
int __real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  atomic_fetch_add(&sigaction_calls, 1);
  return __real_sigaction(sig, act, old);
}

static void case_sigaction_per_map(void) {
  int fd = scratch_file("calls", 1);
  char *a = map_shared(fd, 1);
  CHECK(memmap_guard_remove(memmap_guard_add((int64_t)(uintptr_t)a, page)) == 0, "first add installs");
  atomic_store(&sigaction_calls, 0);
  int64_t start = memmap_now_ns();
  for (int n = 0; n < 10000; n++) CHECK(memmap_guard_remove(memmap_guard_add((int64_t)(uintptr_t)a, page)) == 0, "add/remove");
  int64_t elapsed_ms = (memmap_now_ns() - start) / 1000000;
  /* At most one look at the disposition per 100 ms. */
  CHECK(atomic_load(&sigaction_calls) <= 1 + elapsed_ms / 100, "%d sigaction calls for 10,000 maps in %lld ms",
        atomic_load(&sigaction_calls), (long long)elapsed_ms);
}

static int run(const char *name, void (*body)(void)) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    alarm(120); /* a case that hangs (a handler chaining to itself in a loop) fails, not the run */
    memmap_test_hook = hook;
    body();
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "FAIL %s: %s\n", name, WTERMSIG(status) == SIGALRM ? "timed out after 120 s" : strsignal(WTERMSIG(status)));
  }
  printf("%s %s\n", ok ? "ok  " : "FAIL", name);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: guard-stress <scratch-dir> [iterations]\n");
    return 2;
  }
  scratch = argv[1];
  page = sysconf(_SC_PAGESIZE);
  /* 100,000 iterations in all by default: 25,000 per thread. */
  stress_iterations = (argc > 2 ? atol(argv[2]) : 100000) / STRESS_THREADS;
  swap_rounds = stress_iterations / 5;
  int passed = 0, cases = 0;
  cases++, passed += run("two threads installing at once; a foreign SIGBUS reaches the previous handler once", case_concurrent_install);
  cases++, passed += run("guard_remove and munmap while a handler is held between its check and its work", case_remove_during_handler);
  cases++, passed += run("threads mapping, truncating, faulting and unmapping the same and different files", case_stress);
  cases++, passed += run("threads faulting on a mapping while its owner swaps it for one memmap does not guard", case_swap);
  cases++, passed += run("transient faults, spaced out, never leave a mapping unguarded", case_transient);
  cases++, passed += run_dies("a SIGBUS inside the handler ends the process with SIGBUS, no deadlock", case_nested, SIGBUS);
  cases++, passed += run("guard_add makes no sigaction call per map", case_sigaction_per_map);
  printf("guard-stress: %d passed, %d failed\n", passed, cases - passed);
  return passed == cases ? 0 : 1;
}
