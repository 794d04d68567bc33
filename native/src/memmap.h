/*
 * memmap libc shim: the few system calls memmap needs, with portable flag bits
 * and errors returned as -errno (captured right after the failing call).
 * Every exported symbol starts with memmap_. Sizes and offsets are 64-bit.
 */
#ifndef MEMMAP_H
#define MEMMAP_H

#include <stdint.h>

#if defined(_WIN32)
#define MEMMAP_EXPORT __declspec(dllexport)
#else
#define MEMMAP_EXPORT __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature or a flag below changes; the loaders check it. */
#define MEMMAP_ABI_VERSION 11

/* memmap_open flags */
#define MEMMAP_OPEN_WRITE 1  /* read and write (default: read only) */
#define MEMMAP_OPEN_CREATE 2 /* create if missing */
#define MEMMAP_OPEN_EXCL 4   /* with CREATE: fail if it exists */
#define MEMMAP_OPEN_TRUNC 8  /* truncate to zero */

/* memmap_fstat output slots */
#define MEMMAP_STAT_SIZE 0
#define MEMMAP_STAT_KIND 1 /* one of MEMMAP_KIND_* */
#define MEMMAP_STAT_PERM 2 /* permission bits (07777) */
#define MEMMAP_STAT_DEV 3
#define MEMMAP_STAT_INO 4
#define MEMMAP_STAT_SLOTS 5

#define MEMMAP_KIND_OTHER 0
#define MEMMAP_KIND_FILE 1
#define MEMMAP_KIND_DIRECTORY 2

/* memmap_fd_access result bits */
#define MEMMAP_ACCESS_READ 1
#define MEMMAP_ACCESS_WRITE 2

/* memmap_mmap prot and flags */
#define MEMMAP_PROT_READ 1
#define MEMMAP_PROT_WRITE 2
#define MEMMAP_MAP_SHARED 1
#define MEMMAP_MAP_PRIVATE 2
#define MEMMAP_MAP_NORESERVE 4
#define MEMMAP_MAP_POPULATE 8

/* memmap_msync flags */
#define MEMMAP_SYNC_ASYNC 1

/* memmap_madvise advice */
#define MEMMAP_ADVICE_NORMAL 0
#define MEMMAP_ADVICE_RANDOM 1
#define MEMMAP_ADVICE_SEQUENTIAL 2
#define MEMMAP_ADVICE_WILLNEED 3
#define MEMMAP_ADVICE_DONTNEED 4
#define MEMMAP_ADVICE_HUGEPAGE 5
#define MEMMAP_ADVICE_NOHUGEPAGE 6

MEMMAP_EXPORT int32_t memmap_abi_version(void);
MEMMAP_EXPORT int64_t memmap_page_size(void);

MEMMAP_EXPORT int32_t memmap_open(const char *path, int32_t flags, int32_t mode);
MEMMAP_EXPORT int32_t memmap_close(int32_t fd);
MEMMAP_EXPORT int32_t memmap_fstat(int32_t fd, int64_t *out);
MEMMAP_EXPORT int32_t memmap_fd_access(int32_t fd);
MEMMAP_EXPORT int32_t memmap_ftruncate(int32_t fd, int64_t size);
MEMMAP_EXPORT int32_t memmap_fsync(int32_t fd);

/* Returns the address, or -errno (addresses are never in [-4095, -1]). */
MEMMAP_EXPORT int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset);
MEMMAP_EXPORT int32_t memmap_munmap(int64_t addr, int64_t length);
MEMMAP_EXPORT int32_t memmap_msync(int64_t addr, int64_t length, int32_t flags);
MEMMAP_EXPORT int32_t memmap_madvise(int64_t addr, int64_t length, int32_t advice);
MEMMAP_EXPORT int32_t memmap_mlock(int64_t addr, int64_t length);
MEMMAP_EXPORT int32_t memmap_munlock(int64_t addr, int64_t length);
/* Grows or shrinks a mapping, moving it if needed; -ENOSYS where the OS has no mremap. */
MEMMAP_EXPORT int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length);

/* An anonymous, close-on-exec file sealed against shrinking; -ENOSYS where the OS has none. */
MEMMAP_EXPORT int32_t memmap_memfd_create(const char *name);
MEMMAP_EXPORT int32_t memmap_shm_open(const char *name, int32_t flags, int32_t mode);
MEMMAP_EXPORT int32_t memmap_shm_unlink(const char *name);

/* Copying files (copy.ts in core drives these). */
MEMMAP_EXPORT void memmap_copy(int64_t dst_addr, int64_t src_addr, int64_t length);
/* In-kernel copy of up to length bytes; returns bytes copied (less at EOF), -ENOSYS where absent. */
MEMMAP_EXPORT int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length);
/* Copy-on-write clone of a whole file (FICLONE); -EOPNOTSUPP/-EXDEV/-EINVAL where the file system cannot. */
MEMMAP_EXPORT int32_t memmap_clone(int32_t src_fd, int32_t dst_fd);
MEMMAP_EXPORT int32_t memmap_fchmod(int32_t fd, int32_t mode);
/* Reserves disk blocks for a range, so a full disk is ENOSPC now rather than SIGBUS
   when a mapping of the range is written; -EOPNOTSUPP where the file system cannot. */
MEMMAP_EXPORT int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length);
/* The next offset >= offset that holds data (SEEK_DATA), or that is a hole (SEEK_HOLE);
   -ENXIO past the last data; -ENOSYS/-EINVAL where the file system cannot tell. */
MEMMAP_EXPORT int64_t memmap_seek_data(int32_t fd, int64_t offset);
MEMMAP_EXPORT int64_t memmap_seek_hole(int32_t fd, int64_t offset);
/* The process umask. Linux reads it without changing it; elsewhere it is set and restored. */
MEMMAP_EXPORT int32_t memmap_umask(void);
MEMMAP_EXPORT int32_t memmap_rename(const char *from, const char *to);
MEMMAP_EXPORT int32_t memmap_link(const char *from, const char *to);
MEMMAP_EXPORT int32_t memmap_unlink(const char *path);

/* Cross-process waiting on a 32-bit word in shared memory (a futex on Linux).
   wait: 0 when woken, -EAGAIN when *addr != expected, -ETIMEDOUT; timeout_ms < 0 waits forever. */
MEMMAP_EXPORT int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms);
/* Wakes up to count waiters (count < 0: all); returns how many were woken. */
MEMMAP_EXPORT int32_t memmap_notify(int64_t addr, int32_t count);
/* Gives the CPU to another runnable thread or process (sched_yield). */
MEMMAP_EXPORT void memmap_yield(void);
/* Whether a process is alive, and who it is: -ESRCH when no process has this pid or it has
   exited (a zombie not yet reaped counts as exited); otherwise a number > 0 that is the
   same for the process's whole life and differs for a later process given the same pid
   (from its start time), or 0 where the OS does not tell (macOS: existence only). */
MEMMAP_EXPORT int32_t memmap_process_tag(int32_t pid);
/* How a child of this process ended, read without reaping it: its exit code (0-255), or 256 +
   the signal that killed it; -EAGAIN while it runs; -ECHILD when pid is no unreaped child of
   this process; -ENOSYS on Windows. */
MEMMAP_EXPORT int32_t memmap_child_exit(int32_t pid);

/* Truncation guard. A page of a file mapping past the file's end raises SIGBUS
   when touched (another process truncated the file). Ranges registered here get
   zero pages instead: the handler maps anonymous memory from the faulting page
   to the end of the range and counts the fault; any other SIGBUS goes to the
   handler that was there before. add returns a slot (or -ENOSPC). */
MEMMAP_EXPORT int32_t memmap_guard_add(int64_t addr, int64_t length);
MEMMAP_EXPORT int32_t memmap_guard_remove(int32_t slot);
/* Faults absorbed in a slot so far. */
MEMMAP_EXPORT int64_t memmap_guard_faults(int32_t slot);

/* The registry of mappings shared between threads (registry.c). A registered mapping has a
   reference count; the last release, in whichever thread, removes its guard slot, unmaps it
   and closes its descriptor. Each thread's references are released when the thread exits.
   key: this process's key, which handles carry (> 0).
   add: registers a mapping with one reference, held by the calling thread; its id, or -ENOSPC.
   acquire: one more reference for the calling thread; fills out (MEMMAP_REGISTRY_SLOTS int64
   slots); -EXDEV when key is not this process's, -ENOENT when the id names no live mapping.
   release: drops one of the calling thread's references: the references left, or -EPERM when
   it holds none. take: makes the caller's only reference its own again (unregistered, nothing
   unmapped); -EBUSY while other references exist. */
#define MEMMAP_REGISTRY_ADDR 0
#define MEMMAP_REGISTRY_LENGTH 1
#define MEMMAP_REGISTRY_FD 2
#define MEMMAP_REGISTRY_GUARD 3
#define MEMMAP_REGISTRY_FLAGS 4
#define MEMMAP_REGISTRY_SLOTS 5
MEMMAP_EXPORT int64_t memmap_registry_key(void);
MEMMAP_EXPORT int64_t memmap_registry_add(int64_t addr, int64_t length, int32_t fd, int32_t guard, int32_t flags);
MEMMAP_EXPORT int32_t memmap_registry_acquire(int64_t id, int64_t key, int64_t *out);
MEMMAP_EXPORT int32_t memmap_registry_release(int64_t id);
MEMMAP_EXPORT int32_t memmap_registry_take(int64_t id);

/* map() and close() in one call each (map-file.c).
   map_file: maps [offset, offset + length) of a file: the one at path when fd < 0 (opened for
   writing when map_flags has MEMMAP_MAP_SHARED, created when size >= 0, with permission bits
   perm, and closed again), else the caller's descriptor fd (checked for the access the mode
   needs). length < 0: to the end. size >= 0: first grows the file to at least size bytes. Maps
   it readable and writable with map_flags and registers it with the truncation guard. Fills out
   (MEMMAP_MAPFILE_SLOTS int64 slots: the fstat slots, then the page-aligned base, the bytes
   mapped from it, the guard slot or -1, and the step reached). Returns 0 when mapped (nothing is
   mapped for length 0), -errno of the step's call, or a MEMMAP_REFUSED_* reason (> 0).
   unmap: removes guard slot `guard` (when >= 0), unmaps, closes fd (when >= 0); returns the
   faults the slot absorbed. */
#define MEMMAP_MAPFILE_BASE 5
#define MEMMAP_MAPFILE_LENGTH 6
#define MEMMAP_MAPFILE_GUARD 7
#define MEMMAP_MAPFILE_STEP 8
#define MEMMAP_MAPFILE_SLOTS 9
#define MEMMAP_STEP_OPEN 0
#define MEMMAP_STEP_FSTAT 1
#define MEMMAP_STEP_FCNTL 2
#define MEMMAP_STEP_FTRUNCATE 3
#define MEMMAP_STEP_MMAP 4
#define MEMMAP_REFUSED_DIRECTORY 1
#define MEMMAP_REFUSED_NOT_REGULAR 2
#define MEMMAP_REFUSED_WRITE_ONLY 3
#define MEMMAP_REFUSED_NOT_WRITABLE 4
#define MEMMAP_REFUSED_OFFSET_PAST_END 5
#define MEMMAP_REFUSED_RANGE_PAST_END 6
MEMMAP_EXPORT int32_t memmap_map_file(const char *path, int32_t fd, int32_t perm, int64_t offset, int64_t length, int64_t size,
                                      int32_t map_flags, int64_t *out);
MEMMAP_EXPORT int64_t memmap_unmap(int64_t addr, int64_t length, int32_t guard, int32_t fd);

/* SharedArrayBuffers over registered mappings (native/napi/shared-buffer.c).
   sab_pin: one more SharedArrayBuffer over a registered mapping with a Mapping reference open
   (in any thread); fills out[MEMMAP_REGISTRY_ADDR] and out[MEMMAP_REGISTRY_LENGTH] (at least
   MEMMAP_REGISTRY_SLOTS int64 slots); -ENOENT when the id names no open mapping, -ENOSYS on
   Windows. While pinned, the last reference's release replaces the range with private zero
   pages instead of unmapping it, and closes the descriptor and the guard slot.
   sab_unpin: the SharedArrayBuffer's finalizer, from any thread: the pins left; the last one
   after the last reference unmaps the range. -ENOENT when the id has no pin.
   take (above) returns -ENOTEMPTY while pins exist.
   sab_retained: how many ranges are kept only for SharedArrayBuffers (for tests). */
MEMMAP_EXPORT int32_t memmap_registry_sab_pin(int64_t id, int64_t *out);
MEMMAP_EXPORT int32_t memmap_registry_sab_unpin(int64_t id);
MEMMAP_EXPORT int32_t memmap_registry_sab_retained(void);

/* Which pages of [addr, addr + length) are in RAM: one byte per page into out (1 resident,
   0 not); addr must be page-aligned. -ENOSYS where the OS cannot tell (Windows). */
MEMMAP_EXPORT int32_t memmap_mincore(int64_t addr, int64_t length, uint8_t *out);

/* Writes "ENAME:description" for errno err into buf (NUL-terminated); returns its length. */
MEMMAP_EXPORT int32_t memmap_error_describe(int32_t err, char *buf, int32_t capacity);
/* Writes every errno name the shim knows with this platform's number, one "NAME=number\n"
   line each (NUL-terminated); returns its length, or -ERANGE if capacity is too small. */
MEMMAP_EXPORT int32_t memmap_errno_table(char *buf, int32_t capacity);

#endif
