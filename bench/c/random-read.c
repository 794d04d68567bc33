/* Random 4 KiB record reads from a cached file, the floor under readSync
 * and mapping.readInto: pread into a reused buffer, and memcpy out of one
 * mapping. Both read the positions bench/map.ts reads (the same xorshift),
 * with their samples interleaved.
 * usage: random-read PATH READS SAMPLES WARMUP */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timing.h"

enum { RECORD = 4096 };

int main(int argc, char **argv) {
  const char *usage = "random-read PATH READS SAMPLES WARMUP";
  if (argc != 5) return fprintf(stderr, "usage: %s\n", usage), 2;
  long reads = arg_count(argv[2], usage), samples = arg_count(argv[3], usage), warmup = arg_count(argv[4], usage);
  const char *names[2] = {"C pread", "C mmap + memcpy"};
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < RECORD) {
    for (int c = 0; c < 2; c++) print_error(names[c], "cannot open the file");
    return 1;
  }
  const unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  uint64_t records = (uint64_t)st.st_size / RECORD;
  long *positions = malloc((size_t)reads * sizeof *positions);
  uint32_t x = 0x9e3779b9u;
  for (long i = 0; i < reads; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    positions[i] = (long)((x % records) * RECORD);
  }
  static unsigned char record[RECORD];
  double *ns[2] = {calloc((size_t)samples, sizeof(double)), calloc((size_t)samples, sizeof(double))};
  long first[2] = {-1, -1};
  /* Every record's bytes are read into it, so the compiler keeps each copy. */
  volatile long sink = 0;
  for (long s = 0; s < warmup + samples; s++) {
    for (int c = 0; c < 2; c++) {
      if (c == 1 && map == MAP_FAILED) continue;
      double start = now_ns();
      for (long i = 0; i < reads; i++) {
        if (c == 0) {
          if (pread(fd, record, RECORD, positions[i]) != RECORD) return print_error(names[c], "short pread"), 1;
        } else {
          memcpy(record, map + positions[i], RECORD);
        }
        /* The two bytes bench/map.ts checks, so both contenders must agree. */
        long r = record[0] ^ record[RECORD - 1];
        if (first[c] < 0) first[c] = r;
        sink += r;
      }
      if (s >= warmup) ns[c][s - warmup] = (now_ns() - start) / (double)reads;
    }
  }
  print_stats(names[0], ns[0], (size_t)samples, first[0], 0);
  if (map == MAP_FAILED) print_error(names[1], "mmap failed");
  else print_stats(names[1], ns[1], (size_t)samples, first[1], 0);
  return 0;
}
