/* Round trips between two processes over shared memory, the floor under a
 * Channel: the parent writes a message into one slot and publishes it with a
 * sequence number; the child copies it out, copies it into the other slot
 * and publishes that; the parent copies the reply out. Waiting either spins
 * (sched_yield between checks, so a peer on the same core gets to run), spins
 * on the memory alone (busy: the floor, for processes on cores of their own),
 * or sleeps on a futex (woken by every publish). A mode ending in "-pinned" puts the
 * parent on CPU 0 and the child on CPU 1 (each a core of its own).
 * usage: pingpong spin|busy|futex[-pinned] SIZE ROUNDTRIPS SAMPLES WARMUP
 * Prints the stats of every single round trip (p50, p99). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timing.h"

struct slot {
  _Atomic uint32_t seq;
  /* The sequence number on its own cache line, away from the other slot's. */
  char pad[60];
};

enum { STOP = 0xffffffffu };

static int use_futex, use_yield;

/* Keeps the calling process on `cpu`; false if the kernel refuses. */
static int pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

static void publish(struct slot *s, uint32_t seq) {
  atomic_store_explicit(&s->seq, seq, memory_order_release);
  if (use_futex) syscall(SYS_futex, &s->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* In the parent: the child, checked now and then while waiting, so a child that died ends the run instead of hanging it. */
static pid_t peer;
static char name[64];

static void check_peer(void) {
  if (peer > 0 && waitpid(peer, NULL, WNOHANG) != 0) {
    print_error(name, "the child process died");
    exit(1);
  }
}

static uint32_t await_change(struct slot *s, uint32_t last) {
  static const struct timespec slice = {0, 100 * 1000 * 1000};
  uint32_t v;
  for (unsigned spins = 1; (v = atomic_load_explicit(&s->seq, memory_order_acquire)) == last; spins++) {
    if (use_futex) {
      if (syscall(SYS_futex, &s->seq, FUTEX_WAIT, last, &slice, NULL, 0) != 0 && errno == ETIMEDOUT) check_peer();
    } else {
      if (use_yield) sched_yield();
      if ((spins & 0xffff) == 0) check_peer();
    }
  }
  return v;
}

int main(int argc, char **argv) {
  const char *usage = "pingpong spin|busy|futex[-pinned] SIZE ROUNDTRIPS SAMPLES WARMUP";
  char mode[16];
  snprintf(mode, sizeof mode, "%s", argc == 6 ? argv[1] : "");
  char *suffix = strstr(mode, "-pinned");
  int pinned = suffix != NULL && strcmp(suffix, "-pinned") == 0;
  if (pinned) *suffix = 0;
  if (argc != 6 || (strcmp(mode, "spin") != 0 && strcmp(mode, "busy") != 0 && strcmp(mode, "futex") != 0)) return fprintf(stderr, "usage: %s\n", usage), 2;
  use_futex = strcmp(mode, "futex") == 0;
  use_yield = strcmp(mode, "spin") == 0;
  size_t size = (size_t)arg_count(argv[2], usage);
  long trips = arg_count(argv[3], usage), samples = arg_count(argv[4], usage), warmup = arg_count(argv[5], usage);
  snprintf(name, sizeof name, "C %s ping-pong%s", mode, pinned ? ", pinned apart" : "");
  if (pinned && !pin_to(0)) return print_error(name, "sched_setaffinity(CPU 0) failed"), 1;

  /* Two slot headers, then the two message buffers. */
  size_t total = 2 * sizeof(struct slot) + 2 * size;
  unsigned char *shm = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) return print_error(name, "mmap failed"), 1;
  struct slot *ping = (struct slot *)shm, *pong = ping + 1;
  unsigned char *ping_data = shm + 2 * sizeof(struct slot), *pong_data = ping_data + size;
  unsigned char *local = malloc(size);
  memset(local, 7, size);

  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) return print_error(name, "fork failed"), 1;
  if (child == 0) {
    /* Never outlive the parent, whatever happens to it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (pinned && !pin_to(1)) _exit(1);
    for (uint32_t last = 0;;) {
      last = await_change(ping, last);
      if (last == STOP) _exit(0);
      memcpy(local, ping_data, size);
      memcpy(pong_data, local, size);
      publish(pong, last);
    }
  }

  peer = child;
  size_t count = (size_t)(trips * samples);
  double *ns = malloc(count * sizeof *ns);
  uint32_t seq = 0;
  long first = -1;
  for (long s = 0; s < warmup + samples; s++) {
    for (long i = 0; i < trips; i++) {
      double start = now_ns();
      memcpy(ping_data, local, size);
      publish(ping, ++seq);
      await_change(pong, seq - 1);
      memcpy(local, pong_data, size);
      double took = now_ns() - start;
      if (first < 0) first = (long)size;
      if (s >= warmup) ns[(s - warmup) * trips + i] = took;
    }
  }
  publish(ping, STOP);
  waitpid(child, NULL, 0);
  print_stats(name, ns, count, first, 1);
  return 0;
}
