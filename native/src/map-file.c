/*
 * map() and close() each in one crossing. A call through a runtime's FFI costs
 * hundreds of instructions of glue (callgrind: ~1,200 in node:ffi), so making
 * open, fstat, mmap, guard_add and close separate calls cost map() more than
 * its system calls. These compose the same public functions JS would call one
 * by one, in the same order, so every platform gets them and they behave the
 * same; core still decides every message from what they report.
 */
#include "shim.h"

#include <errno.h>
#include <stddef.h>

int32_t memmap_map_file(const char *path, int32_t fd, int32_t perm, int64_t offset, int64_t length, int64_t size,
                        int32_t map_flags, int64_t *out) {
  if (out == NULL || offset < 0) return ERR(EINVAL);
  int writable = (map_flags & MEMMAP_MAP_SHARED) != 0;
  int owned = fd < 0;
  out[MEMMAP_MAPFILE_BASE] = 0;
  out[MEMMAP_MAPFILE_LENGTH] = 0;
  out[MEMMAP_MAPFILE_GUARD] = -1;
  out[MEMMAP_MAPFILE_STEP] = MEMMAP_STEP_OPEN;
  if (owned) {
    fd = memmap_open(path, (writable ? MEMMAP_OPEN_WRITE : 0) | (size >= 0 ? MEMMAP_OPEN_CREATE : 0), perm);
    if (fd < 0) return fd;
  }
  int32_t r = memmap_fstat(fd, out);
  out[MEMMAP_MAPFILE_STEP] = MEMMAP_STEP_FSTAT;
  if (r < 0) goto done;
  if (out[MEMMAP_STAT_KIND] != MEMMAP_KIND_FILE) {
    r = out[MEMMAP_STAT_KIND] == MEMMAP_KIND_DIRECTORY ? MEMMAP_REFUSED_DIRECTORY : MEMMAP_REFUSED_NOT_REGULAR;
    goto done;
  }
  if (!owned) {
    /* The caller's descriptor: it may lack what the mode needs, which mmap would report as a bare EACCES. */
    out[MEMMAP_MAPFILE_STEP] = MEMMAP_STEP_FCNTL;
    r = memmap_fd_access(fd);
    if (r < 0) goto done;
    if (!(r & MEMMAP_ACCESS_READ)) {
      r = MEMMAP_REFUSED_WRITE_ONLY;
      goto done;
    }
    if (writable && !(r & MEMMAP_ACCESS_WRITE)) {
      r = MEMMAP_REFUSED_NOT_WRITABLE;
      goto done;
    }
  }
  int64_t file_size = out[MEMMAP_STAT_SIZE];
  if (size > file_size) {
    out[MEMMAP_MAPFILE_STEP] = MEMMAP_STEP_FTRUNCATE;
    r = memmap_ftruncate(fd, size);
    if (r < 0) goto done;
    out[MEMMAP_STAT_SIZE] = file_size = size;
  }
  if (offset > file_size) {
    r = MEMMAP_REFUSED_OFFSET_PAST_END;
    goto done;
  }
  if (length < 0) length = file_size - offset;
  if (length > file_size - offset) {
    r = MEMMAP_REFUSED_RANGE_PAST_END;
    goto done;
  }
  r = 0;
  if (length > 0) {
    int64_t delta = offset % memmap_page_size();
    out[MEMMAP_MAPFILE_STEP] = MEMMAP_STEP_MMAP;
    int64_t base = memmap_mmap(delta + length, MEMMAP_PROT_READ | MEMMAP_PROT_WRITE, map_flags, fd, offset - delta);
    if (base < 0) {
      r = (int32_t)base;
      goto done;
    }
    out[MEMMAP_MAPFILE_BASE] = base;
    out[MEMMAP_MAPFILE_LENGTH] = delta + length;
    /* Out of slots (thousands of live mappings), a mapping works unguarded, as any raw mmap. */
    int32_t slot = memmap_guard_add(base, delta + length);
    out[MEMMAP_MAPFILE_GUARD] = slot >= 0 ? slot : -1;
  }
done:
  /* The mapping keeps the file alive; the descriptor is not needed any more. */
  if (owned) memmap_close(fd);
  return r;
}

int64_t memmap_unmap(int64_t addr, int64_t length, int32_t guard, int32_t fd) {
  int64_t faults = 0;
  if (guard >= 0) {
    faults = memmap_guard_faults(guard);
    memmap_guard_remove(guard);
  }
  /* munmap fails only for arguments core never passes; nothing could be done about it here. */
  if (length > 0) memmap_munmap(addr, length);
  if (fd >= 0) memmap_close(fd);
  return faults < 0 ? 0 : faults;
}
