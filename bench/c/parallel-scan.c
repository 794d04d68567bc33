/* The parallel scan's ceiling on this machine: one mapping of the file summed
 * as wrapping 32-bit words by 1 and by 2 threads, as bench/parallel-scan.ts
 * does with Workers. The threads start once and wait at a barrier per op, as
 * the Workers do for their next message. Two loops: the scalar one the JS
 * loop compiles to, and a vectorized one, the memory's own limit.
 * usage: parallel-scan PATH OPS SAMPLES WARMUP (OPS scans per sample) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timing.h"

enum { MAX_THREADS = 2 };

/* One word at a time, the plain loop of sum32 (bench/scan.ts). */
__attribute__((optimize("no-tree-vectorize"))) static uint32_t sum_scalar(const uint32_t *w, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++) s += w[i];
  return s;
}

/* Eight lanes, so the compiler's vectorizer at -O2 has a plain reduction to work with. */
static uint32_t sum_wide(const uint32_t *w, size_t n) {
  uint32_t lanes[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) lanes[k] += w[i + k];
  uint32_t s = 0;
  for (int k = 0; k < 8; k++) s += lanes[k];
  for (; i < n; i++) s += w[i];
  return s;
}

struct pool {
  pthread_barrier_t start, done;
  const uint32_t *words;
  size_t count;
  int threads, wide, stop;
  uint32_t part[MAX_THREADS];
};

struct worker {
  struct pool *pool;
  int index;
};

static void sum_part(struct pool *p, int k) {
  size_t step = (p->count + (size_t)p->threads - 1) / (size_t)p->threads;
  size_t from = (size_t)k * step, to = from + step < p->count ? from + step : p->count;
  p->part[k] = from < to ? (p->wide ? sum_wide : sum_scalar)(p->words + from, to - from) : 0;
}

static void *run_worker(void *arg) {
  struct worker *w = arg;
  for (;;) {
    pthread_barrier_wait(&w->pool->start);
    if (w->pool->stop) return NULL;
    sum_part(w->pool, w->index);
    pthread_barrier_wait(&w->pool->done);
  }
}

/* One op: every thread sums its part (thread 0 is this one), then the parts are added. */
static uint32_t scan(struct pool *p) {
  if (p->threads > 1) pthread_barrier_wait(&p->start);
  sum_part(p, 0);
  if (p->threads > 1) pthread_barrier_wait(&p->done);
  uint32_t s = 0;
  for (int k = 0; k < p->threads; k++) s += p->part[k];
  return s;
}

int main(int argc, char **argv) {
  const char *usage = "parallel-scan PATH OPS SAMPLES WARMUP";
  if (argc != 5) return fprintf(stderr, "usage: %s\n", usage), 2;
  long ops = arg_count(argv[2], usage), samples = arg_count(argv[3], usage), warmup = arg_count(argv[4], usage);
  const char *names[4] = {"C 1 thread", "C 2 threads", "C 1 thread, vectorized", "C 2 threads, vectorized"};
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  const uint32_t *words = MAP_FAILED;
  if (fd >= 0 && fstat(fd, &st) == 0) words = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (words == MAP_FAILED) {
    for (int c = 0; c < 4; c++) print_error(names[c], "cannot map the file");
    return 1;
  }
  /* Threads 1..MAX_THREADS-1 wait at the barriers; this thread is each op's thread 0. */
  struct pool p = {.words = words, .count = (size_t)st.st_size / 4, .threads = 1};
  pthread_barrier_init(&p.start, NULL, MAX_THREADS);
  pthread_barrier_init(&p.done, NULL, MAX_THREADS);
  pthread_t helpers[MAX_THREADS];
  struct worker workers[MAX_THREADS];
  for (int k = 1; k < MAX_THREADS; k++) {
    workers[k] = (struct worker){&p, k};
    pthread_create(&helpers[k], NULL, run_worker, &workers[k]);
  }
  double *ns[4];
  long first[4] = {0};
  for (int c = 0; c < 4; c++) ns[c] = calloc((size_t)samples, sizeof(double));
  /* Contenders interleaved per round, as bench/harness.ts does, so drift hits each alike. */
  for (long s = 0; s < warmup + samples; s++) {
    for (int c = 0; c < 4; c++) {
      p.threads = c % 2 == 0 ? 1 : 2;
      p.wide = c >= 2;
      double start = now_ns();
      uint32_t sum = 0;
      for (long i = 0; i < ops; i++) sum = scan(&p);
      double elapsed = (now_ns() - start) / (double)ops;
      if (s == 0) first[c] = (int32_t)sum;
      if (s >= warmup) ns[c][s - warmup] = elapsed;
    }
  }
  p.stop = 1;
  pthread_barrier_wait(&p.start);
  for (int k = 1; k < MAX_THREADS; k++) pthread_join(helpers[k], NULL);
  close(fd);
  for (int c = 0; c < 4; c++) print_stats(names[c], ns[c], (size_t)samples, first[c], 0);
  return 0;
}
