/*
 * C-level self-test of the Windows shim, run under wine by npm run test:windows:
 * map a file, write through the view, flush, unmap, read the file back; and a
 * few error paths. Prints one line per check and exits non-zero on a failure.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../native/src/memmap.h"

static int failed;

static void expect(int ok, const char *what, long long got) {
  printf("%s %s (%lld)\n", ok ? "ok  " : "FAIL", what, got);
  if (!ok) failed++;
}

static int64_t registry_id, registry_key;
static int32_t held_in_thread = -1;

static DWORD WINAPI hold_and_exit(LPVOID unused) {
  (void)unused;
  int64_t info[MEMMAP_REGISTRY_SLOTS];
  held_in_thread = memmap_registry_acquire(registry_id, registry_key, info);
  return 0;
}

int main(void) {
  const char *path = "memmap-selftest.bin";
  int64_t st[MEMMAP_STAT_SLOTS];
  expect(memmap_page_size() == 65536, "page size is the allocation granularity", memmap_page_size());

  int32_t fd = memmap_open(path, MEMMAP_OPEN_WRITE | MEMMAP_OPEN_CREATE | MEMMAP_OPEN_TRUNC, 0644);
  expect(fd >= 0, "open creates the file", fd);
  expect(memmap_ftruncate(fd, 200000) == 0, "ftruncate grows it", 0);
  int32_t stat_result = memmap_fstat(fd, st);
  expect(stat_result == 0 && st[MEMMAP_STAT_SIZE] == 200000 && st[MEMMAP_STAT_KIND] == MEMMAP_KIND_FILE,
         "fstat: size and kind", st[MEMMAP_STAT_SIZE]);
  int64_t addr = memmap_mmap(200000 - 65536, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, fd, 65536);
  expect(addr > 0, "mmap at offset 64 KiB", addr);
  expect(memmap_mmap(4096, MEMMAP_PROT_READ, MEMMAP_MAP_SHARED, fd, 4096) == -EINVAL, "an unaligned offset is EINVAL", 0);
  if (addr > 0) {
    memcpy((char *)(uintptr_t)addr + 1000, "hello", 5);
    expect(memmap_msync(addr, 200000 - 65536, 0) == 0, "msync", 0);
    int32_t busy = memmap_ftruncate(fd, 10);
    expect(busy == -EBUSY, "shrinking a mapped file is EBUSY", busy);
    expect(memmap_munmap(addr, 200000 - 65536) == 0, "munmap", 0);
  }
  expect(memmap_close(fd) == 0, "close", 0);
  expect(memmap_close(fd) == -EBADF, "a second close is EBADF", 0);

  char buf[8] = {0};
  DWORD n = 0;
  HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  SetFilePointer(h, 65536 + 1000, NULL, FILE_BEGIN);
  ReadFile(h, buf, 5, &n, NULL);
  CloseHandle(h);
  expect(n == 5 && memcmp(buf, "hello", 5) == 0, "the write reached the file", n);
  expect(memmap_unlink(path) == 0, "unlink", 0);
  expect(memmap_open(path, 0, 0) == -ENOENT, "a missing file is ENOENT", 0);
  int32_t dir = memmap_open(".", MEMMAP_OPEN_WRITE, 0);
  expect(dir == -EISDIR, "a directory opened for writing is EISDIR", dir);

  int32_t anon = memmap_memfd_create("selftest");
  expect(anon >= 0 && memmap_ftruncate(anon, 4096) == 0, "memfd_create and ftruncate", anon);
  int64_t a = memmap_mmap(4096, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, MEMMAP_MAP_SHARED, anon, 0);
  expect(a > 0, "anonymous memory maps", a);
  if (a > 0) {
    volatile LONG *word = (volatile LONG *)(uintptr_t)a;
    expect(memmap_wait(a, 1, 0) == -EAGAIN, "wait: not equal", 0);
    expect(memmap_wait(a, 0, 20) == -ETIMEDOUT, "wait: timed out", 0);
    *word = 1;
    /* The thread registry: a thread that acquires a reference and exits without releasing
       it has it dropped by the fiber-local slot's callback, so main's release is the last. */
    int64_t key = memmap_registry_key();
    registry_id = memmap_registry_add(a, 4096, anon, -1, MEMMAP_MAP_SHARED);
    expect(key > 0 && registry_id > 0, "registry: add", registry_id);
    registry_key = key;
    int64_t info[MEMMAP_REGISTRY_SLOTS];
    expect(memmap_registry_acquire(registry_id, key + 1, info) == -EXDEV, "registry: another process's key is EXDEV", 0);
    HANDLE holder = CreateThread(NULL, 0, hold_and_exit, NULL, 0, NULL);
    expect(holder != NULL && WaitForSingleObject(holder, 10000) == WAIT_OBJECT_0, "registry: a thread took a reference and exited", 0);
    if (holder) CloseHandle(holder);
    expect(held_in_thread == 0, "registry: the thread's acquire", held_in_thread);
    int32_t left = memmap_registry_release(registry_id);
    expect(left == 0, "registry: the exited thread's reference was released; main's is the last", left);
    expect(memmap_registry_acquire(registry_id, key, info) == -ENOENT, "registry: then the id is stale", 0);
  }

  char text[64];
  memmap_error_describe(ENOTSUP, text, sizeof text);
  expect(strncmp(text, "ENOTSUP:", 8) == 0, text, 0);
  int32_t tag = memmap_process_tag((int32_t)GetCurrentProcessId());
  expect(tag > 0 && memmap_process_tag((int32_t)GetCurrentProcessId()) == tag, "process_tag: this process, steadily", tag);
  expect(memmap_process_tag(0) < 0, "process_tag: no process 0", 0);
  printf("selftest: %s\n", failed ? "FAILED" : "passed");
  return failed ? 1 : 0;
}
