/*
 * C-level self-test of a built shim, linked against it: runs on the host, on
 * musl through its loader, and on arm64 under qemu-user (npm run test:arm64),
 * where no JavaScript runtime exists for every target. Exits 1 on a failure.
 * Usage: selftest <scratch-dir>
 */
#define _GNU_SOURCE
#include "../src/memmap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int checks, failures;

#define CHECK(cond, ...)                        \
  do {                                          \
    checks++;                                   \
    if (!(cond)) {                              \
      failures++;                               \
      fprintf(stderr, "FAIL line %d: ", __LINE__); \
      fprintf(stderr, __VA_ARGS__);             \
      fputc('\n', stderr);                      \
    }                                           \
  } while (0)

/* Every umask() call the shim makes binds here (the executable's symbol comes first),
   so the test sees whether memmap_umask changed the process's umask, even for an instant. */
static int umask_calls;
mode_t umask(mode_t mask) {
  umask_calls++;
  return (mode_t)syscall(SYS_umask, mask);
}

static const char *describe(int32_t err) {
  static char name[64];
  return memmap_error_describe(err, name, sizeof name) > 0 ? name : "?";
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: selftest <scratch-dir>\n");
    return 2;
  }
  char path[2048], renamed[2100];
  snprintf(path, sizeof path, "%s/selftest-%d.bin", argv[1], (int)getpid());
  snprintf(renamed, sizeof renamed, "%s.renamed", path);
  const int64_t page = memmap_page_size();

  CHECK(memmap_abi_version() == MEMMAP_ABI_VERSION, "abi %d", memmap_abi_version());
  CHECK(page >= 4096 && (page & (page - 1)) == 0, "page size %lld", (long long)page);
  CHECK(strncmp(describe(ENOENT), "ENOENT:", 7) == 0, "describe(ENOENT) = %s", describe(ENOENT));
  /* FICLONE on a file system that has no ioctl for it says ENOTTY; a full quota, EDQUOT. */
  CHECK(strncmp(describe(ENOTTY), "ENOTTY:", 7) == 0, "describe(ENOTTY) = %s", describe(ENOTTY));
  CHECK(strncmp(describe(EDQUOT), "EDQUOT:", 7) == 0, "describe(EDQUOT) = %s", describe(EDQUOT));
  {
    char table[2048], line[32];
    int32_t n = memmap_errno_table(table, sizeof table);
    CHECK(n > 0 && (size_t)n == strlen(table), "errno_table: %d", n);
    snprintf(line, sizeof line, "\nENOTTY=%d\n", ENOTTY);
    CHECK(strstr(table, line) != NULL, "errno_table has %s", line + 1);
    CHECK(strncmp(table, "EPERM=1\n", 8) == 0, "errno_table starts %.16s", table);
    CHECK(memmap_errno_table(table, 16) == -ERANGE, "errno_table: too small is -ERANGE");
  }

  /* A file: create, size, map shared, write through the mapping, read it back by a second map. */
  int32_t fd = memmap_open(path, MEMMAP_OPEN_WRITE | MEMMAP_OPEN_CREATE | MEMMAP_OPEN_EXCL, 0600);
  CHECK(fd >= 0, "open: %s", describe(-fd));
  CHECK(memmap_open(path, MEMMAP_OPEN_CREATE | MEMMAP_OPEN_EXCL, 0600) == -EEXIST, "exclusive create of an existing file");
  CHECK(memmap_ftruncate(fd, 4 * page) == 0, "ftruncate");
  int64_t st[MEMMAP_STAT_SLOTS];
  CHECK(memmap_fstat(fd, st) == 0 && st[MEMMAP_STAT_SIZE] == 4 * page && st[MEMMAP_STAT_KIND] == MEMMAP_KIND_FILE,
        "fstat size %lld kind %lld", (long long)st[MEMMAP_STAT_SIZE], (long long)st[MEMMAP_STAT_KIND]);
  CHECK(st[MEMMAP_STAT_PERM] == 0600, "mode %llo", (long long)st[MEMMAP_STAT_PERM]);
  int64_t a = memmap_mmap(4 * page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, fd, 0);
  CHECK(a > 0, "mmap: %s", describe((int32_t)-a));
  if (a > 0) {
    memcpy((char *)(uintptr_t)a + page, "memmap", 6);
    CHECK(memmap_msync(a, 4 * page, 0) == 0, "msync");
    CHECK(memmap_madvise(a, 4 * page, MEMMAP_ADVICE_SEQUENTIAL) == 0, "madvise");
    uint8_t in_ram[4] = {0};
    CHECK(memmap_mincore(a, 4 * page, in_ram) == 0, "mincore");
    CHECK(in_ram[1] == 1 && in_ram[0] <= 1 && in_ram[2] <= 1 && in_ram[3] <= 1, "mincore: written page resident, bytes 0/1: %d %d %d %d",
          in_ram[0], in_ram[1], in_ram[2], in_ram[3]);
    CHECK(memmap_munmap(a, 4 * page) == 0, "munmap");
  }
  int64_t b = memmap_mmap(page, MEMMAP_PROT_READ, MEMMAP_MAP_SHARED, fd, page);
  CHECK(b > 0 && memcmp((char *)(uintptr_t)b, "memmap", 6) == 0, "the write reached the file");
  CHECK(memmap_mmap(page, MEMMAP_PROT_READ, MEMMAP_MAP_SHARED, fd, 1) == -EINVAL, "unaligned offset is EINVAL");
  if (b > 0) memmap_munmap(b, page);

  /* The truncation guard: the file shrinks under a guarded mapping; past the end reads 0.
     A fault below pages replaced before must not replace them again (what was written
     there stays), so the far page is touched first. */
  int64_t g = memmap_mmap(4 * page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, fd, 0);
  int32_t slot = g > 0 ? memmap_guard_add(g, 4 * page) : -1;
  CHECK(slot >= 0, "guard_add: %s", describe(-slot));
  if (slot >= 0) {
    CHECK(memmap_ftruncate(fd, page) == 0, "shrink");
    volatile char *far = (volatile char *)(uintptr_t)(g + 3 * page);
    volatile char *near = (volatile char *)(uintptr_t)(g + 2 * page);
    far[0] = 'x';
    CHECK(memmap_guard_faults(slot) == 1, "one fault for the tail, got %lld", (long long)memmap_guard_faults(slot));
    CHECK(near[0] == 0, "past the end reads 0");
    CHECK(memmap_guard_faults(slot) == 2, "a second fault below the first, got %lld", (long long)memmap_guard_faults(slot));
    CHECK(far[0] == 'x', "the write to the page replaced first survives the later fault below it");
    memmap_guard_remove(slot);
    memmap_munmap(g, 4 * page);
  }

  CHECK(memmap_fsync(fd) == 0, "fsync");
  CHECK(memmap_close(fd) == 0, "close");
  CHECK(memmap_rename(path, renamed) == 0, "rename");
  CHECK(memmap_unlink(renamed) == 0, "unlink");
  CHECK(memmap_open(renamed, 0, 0) == -ENOENT, "gone after unlink");

  /* Anonymous shared memory and a cross-process wait/notify on it. */
  int32_t mfd = memmap_memfd_create("selftest");
  CHECK(mfd >= 0, "memfd_create: %s", describe(-mfd));
  if (mfd >= 0) {
    CHECK(memmap_ftruncate(mfd, page) == 0, "size the memfd");
    CHECK(memmap_ftruncate(mfd, 0) == -EPERM, "sealed against shrinking");
    int64_t m = memmap_mmap(page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, mfd, 0);
    CHECK(m > 0, "map the memfd");
    if (m > 0) {
      volatile int32_t *word = (volatile int32_t *)(uintptr_t)m;
      CHECK(memmap_wait(m, 1, 10) == -EAGAIN, "wait on a different value");
      CHECK(memmap_wait(m, 0, 10) == -ETIMEDOUT, "wait times out");
      pid_t child = fork();
      if (child == 0) {
        *word = 1; /* set, then wake the parent */
        memmap_notify(m, 1);
        _exit(0);
      }
      /* 0 (woken) or -EAGAIN (already 1) are both right; each wait is capped at 5 s. */
      int32_t r = memmap_wait(m, 0, 5000);
      int status = 0;
      waitpid(child, &status, 0);
      CHECK((r == 0 || r == -EAGAIN) && *word == 1, "the child's store and notify reached the parent (%s)", describe(-r));
      CHECK(memmap_process_tag((int32_t)getpid()) >= 0 && memmap_process_tag((int32_t)child) == -ESRCH, "process_tag of a reaped child");
      memmap_munmap(m, page);
    }
    memmap_close(mfd);
  }

  /* Process identity: a zombie (exited, not reaped) is dead; a live process keeps its tag. */
  int ready[2], own[2];
  if (pipe(ready) == 0 && pipe(own) == 0) {
    pid_t zombie = fork();
    if (zombie == 0) _exit(7);
    pid_t alive = fork();
    if (alive == 0) {
      char byte;
      close(ready[1]);
      int32_t mine = memmap_process_tag((int32_t)getpid());
      (void)!write(own[1], &mine, sizeof mine);
      (void)read(ready[0], &byte, 1); /* until the parent closes its end */
      _exit(0);
    }
    close(ready[0]);
    int32_t mine = -1;
    CHECK(read(own[0], &mine, sizeof mine) == sizeof mine, "the child's own tag");
    close(own[0]);
    close(own[1]);
    siginfo_t info;
    /* WNOWAIT: wait for the exit but leave the child a zombie. */
    CHECK(waitid(P_PID, (id_t)zombie, &info, WEXITED | WNOWAIT) == 0, "wait for the zombie");
    CHECK(memmap_process_tag((int32_t)zombie) == -ESRCH, "a zombie is dead: process_tag %d", memmap_process_tag((int32_t)zombie));
    CHECK(memmap_child_exit((int32_t)zombie) == 7 && memmap_child_exit((int32_t)zombie) == 7, "child_exit reads a zombie's exit code, without reaping it");
    CHECK(memmap_child_exit((int32_t)alive) == -EAGAIN, "child_exit of a running child: %d", memmap_child_exit((int32_t)alive));
    int32_t tag = memmap_process_tag((int32_t)alive);
    CHECK(tag > 0 && memmap_process_tag((int32_t)alive) == tag, "a live child has a steady tag: %d", tag);
    /* What a process computes for itself is what others compute for it (qemu-user answers a
       process's absolute /proc paths to itself with made-up values). */
    CHECK(mine == tag, "the child's own tag %d is the tag its parent sees, %d", mine, tag);
    close(ready[1]);
    waitpid(alive, NULL, 0);
    waitpid(zombie, NULL, 0);
    CHECK(memmap_process_tag((int32_t)zombie) == -ESRCH && memmap_process_tag((int32_t)alive) == -ESRCH, "reaped children are gone");
    CHECK(memmap_child_exit((int32_t)zombie) == -ECHILD, "child_exit of a reaped child is ECHILD");
  }

  /* The thread registry: references, stale and foreign ids, take. The last release unmaps and
     closes the descriptor (mincore on an unmapped range is ENOMEM; fcntl on a closed fd EBADF). */
  int32_t rfd = memmap_memfd_create("selftest-registry");
  CHECK(rfd >= 0 && memmap_ftruncate(rfd, page) == 0, "registry: a memfd");
  int64_t r = memmap_mmap(page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, rfd, 0);
  int64_t key = memmap_registry_key();
  int64_t id = r > 0 ? memmap_registry_add(r, page, rfd, -1, MEMMAP_MAP_SHARED) : -1;
  CHECK(key > 0 && id > 0, "registry: key %lld, id %lld", (long long)key, (long long)id);
  if (id > 0) {
    int64_t info[MEMMAP_REGISTRY_SLOTS];
    uint8_t in_ram[1];
    CHECK(memmap_registry_acquire(id, key + 1, info) == -EXDEV, "registry: another process's key is EXDEV");
    CHECK(memmap_registry_acquire(id + 1, key, info) == -ENOENT, "registry: another slot is ENOENT");
    CHECK(memmap_registry_acquire(id + ((int64_t)1 << 12), key, info) == -ENOENT, "registry: another generation is ENOENT");
    CHECK(memmap_registry_acquire(id, key, info) == 0 && info[MEMMAP_REGISTRY_ADDR] == r && info[MEMMAP_REGISTRY_LENGTH] == page &&
              info[MEMMAP_REGISTRY_FD] == rfd && info[MEMMAP_REGISTRY_GUARD] == -1 && info[MEMMAP_REGISTRY_FLAGS] == MEMMAP_MAP_SHARED,
          "registry: acquire fills in the mapping");
    CHECK(memmap_registry_take(id) == -EBUSY, "registry: take with two references is EBUSY");
    CHECK(memmap_registry_release(id) == 1, "registry: one reference left");
    CHECK(memmap_mincore(r, page, in_ram) == 0, "registry: still mapped");
    CHECK(memmap_registry_release(id) == 0, "registry: the last release");
    CHECK(memmap_mincore(r, page, in_ram) == -ENOMEM, "registry: the last release unmapped it");
    CHECK(fcntl(rfd, F_GETFD) == -1 && errno == EBADF, "registry: the last release closed the descriptor");
    CHECK(memmap_registry_release(id) == -EPERM, "registry: releasing a reference this thread does not hold is EPERM");
    CHECK(memmap_registry_acquire(id, key, info) == -ENOENT, "registry: a released id is stale");
    int64_t again = memmap_registry_add(r, 0, -1, -1, 0);
    CHECK(again > 0 && again != id, "registry: a reused slot has a new generation");
    CHECK(memmap_registry_take(again) == 0 && memmap_registry_acquire(again, key, info) == -ENOENT, "registry: take unregisters");
  }

  /* SharedArrayBuffer pins (ABI 11): the last reference with a pin left puts zero pages in place
     (still mapped, reads 0, the descriptor closed); take is ENOTEMPTY meanwhile; the last unpin unmaps. */
  int32_t sfd = memmap_memfd_create("selftest-sab");
  CHECK(sfd >= 0 && memmap_ftruncate(sfd, page) == 0, "sab: a memfd");
  int64_t s = memmap_mmap(page, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, sfd, 0);
  int64_t sid = s > 0 ? memmap_registry_add(s, page, sfd, -1, MEMMAP_MAP_SHARED) : -1;
  CHECK(sid > 0, "sab: registered");
  if (sid > 0) {
    int64_t info[MEMMAP_REGISTRY_SLOTS];
    uint8_t in_ram[1];
    volatile uint8_t *bytes = (volatile uint8_t *)(uintptr_t)s;
    bytes[0] = 42;
    CHECK(memmap_registry_sab_pin(sid + 1, info) == -ENOENT, "sab: pin of another slot is ENOENT");
    CHECK(memmap_registry_sab_pin(sid, info) == 0 && info[MEMMAP_REGISTRY_ADDR] == s && info[MEMMAP_REGISTRY_LENGTH] == page, "sab: pin gives the range");
    CHECK(memmap_registry_sab_pin(sid, info) == 0, "sab: a second pin");
    CHECK(memmap_registry_take(sid) == -ENOTEMPTY, "sab: take while pinned is ENOTEMPTY");
    CHECK(memmap_registry_sab_retained() == 0, "sab: nothing retained while a reference is open");
    CHECK(memmap_registry_release(sid) == 0, "sab: the last reference");
    CHECK(memmap_mincore(s, page, in_ram) == 0 && bytes[0] == 0, "sab: zero pages in place, still mapped");
    CHECK(fcntl(sfd, F_GETFD) == -1 && errno == EBADF, "sab: the last reference closed the descriptor");
    CHECK(memmap_registry_sab_retained() == 1, "sab: retained for its pins");
    CHECK(memmap_registry_acquire(sid, key, info) == -ENOENT && memmap_registry_sab_pin(sid, info) == -ENOENT, "sab: a closed mapping takes no new reference or pin");
    CHECK(memmap_registry_sab_unpin(sid) == 1 && memmap_mincore(s, page, in_ram) == 0, "sab: mapped while a pin is left");
    CHECK(memmap_registry_sab_unpin(sid) == 0 && memmap_mincore(s, page, in_ram) == -ENOMEM, "sab: the last unpin unmapped it");
    CHECK(memmap_registry_sab_retained() == 0 && memmap_registry_sab_unpin(sid) == -ENOENT, "sab: nothing left to unpin");
  }

  /* umask is read, never set (a file another thread creates meanwhile would get the wrong mode). */
  mode_t before = (mode_t)syscall(SYS_umask, 027);
  umask_calls = 0;
  int32_t seen = memmap_umask();
  mode_t now = (mode_t)syscall(SYS_umask, before);
  CHECK(seen == 027 && now == 027, "umask read as %o, was %o", (unsigned)seen, (unsigned)now);
#if defined(__linux__)
  CHECK(umask_calls == 0, "memmap_umask changed the umask %d times to read it", umask_calls);
#endif

  printf("selftest: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
