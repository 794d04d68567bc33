/* The system calls map() + view + close() makes for a small file, with
 * nothing around them: open, fstat, mmap (private, as mode "read" maps),
 * close the descriptor, touch the first byte, munmap.
 * usage: map-close PATH OPS SAMPLES WARMUP */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timing.h"

static const char *NAME = "C open+fstat+mmap+close+touch+munmap";

static long map_touch_close(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return -1;
  }
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return -1;
  (void)*(volatile unsigned char *)p;
  munmap(p, (size_t)st.st_size);
  return (long)st.st_size;
}

int main(int argc, char **argv) {
  const char *usage = "map-close PATH OPS SAMPLES WARMUP";
  if (argc != 5) return fprintf(stderr, "usage: %s\n", usage), 2;
  long ops = arg_count(argv[2], usage), samples = arg_count(argv[3], usage), warmup = arg_count(argv[4], usage);
  long first = map_touch_close(argv[1]);
  if (first < 0) {
    print_error(NAME, "cannot map the file");
    return 1;
  }
  double *ns = calloc((size_t)samples, sizeof *ns);
  long failed = 0;
  for (long s = 0; s < warmup + samples; s++) {
    double start = now_ns();
    for (long i = 0; i < ops; i++) failed |= map_touch_close(argv[1]) < 0;
    if (s >= warmup) ns[s - warmup] = (now_ns() - start) / (double)ops;
  }
  if (failed) print_error(NAME, "a map failed during the samples");
  else print_stats(NAME, ns, (size_t)samples, first, 0);
  free(ns);
  return 0;
}
