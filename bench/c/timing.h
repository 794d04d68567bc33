/* What every C baseline shares: a monotonic clock, and one JSON line per
 * contender on stdout in the shape bench/c-baselines.ts reads:
 * {"contender":NAME,"stats":{median,p25,p75,[p99,]min,max,samples},"first":N}
 * with times in nanoseconds per operation. */
#ifndef MEMMAP_BENCH_TIMING_H
#define MEMMAP_BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Linear interpolation between the two nearest ranks, as bench/harness.ts does. */
static double percentile(const double *sorted, size_t n, double q) {
  double i = (double)(n - 1) * q;
  size_t lo = (size_t)i, hi = lo + 1 < n ? lo + 1 : lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - (double)lo);
}

/* Sorts `ns` in place and prints its stats. `per_op`: `ns` holds single
 * operations (latency), so a p99 of them means something; else per-sample means. */
static void print_stats(const char *contender, double *ns, size_t n, long first, int per_op) {
  qsort(ns, n, sizeof *ns, compare_doubles);
  char p99[48] = "";
  if (per_op) snprintf(p99, sizeof p99, ",\"p99\":%.1f", percentile(ns, n, 0.99));
  printf("{\"contender\":\"%s\",\"stats\":{\"median\":%.1f,\"p25\":%.1f,\"p75\":%.1f%s,\"min\":%.1f,\"max\":%.1f,\"samples\":%zu},\"first\":%ld}\n",
         contender, percentile(ns, n, 0.5), percentile(ns, n, 0.25), percentile(ns, n, 0.75), p99, ns[0], ns[n - 1], n, first);
  fflush(stdout);
}

static void print_error(const char *contender, const char *what) {
  printf("{\"contender\":\"%s\",\"error\":\"%s\"}\n", contender, what);
  fflush(stdout);
}

/* A positive integer argument, or exit with a usage line. */
static long arg_count(const char *text, const char *usage) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 1) {
    fprintf(stderr, "usage: %s\n", usage);
    exit(2);
  }
  return v;
}

#endif
