/*
 * memmap libc shim, Windows half: the ABI of memmap.h over Win32. Results are
 * a value or -errno, with POSIX errno numbers (mingw's errno.h, and errnos.h for
 * the one it lacks) translated from GetLastError() right after the failing call.
 *
 * Decisions (see native/README-windows.md for the whole list):
 * - "Descriptors" are slots of a table in this DLL, numbered from FD_BASE, each
 *   holding a HANDLE and how it was opened. A table (not a HANDLE cast to int)
 *   gives fd_access its answer, rejects stale numbers with EBADF, and keeps a
 *   runtime's own small CRT descriptors, passed by mistake, from ever matching.
 * - memmap_page_size is the allocation granularity (64 KiB): MapViewOfFile
 *   offsets must be multiples of it, and core aligns offsets to this value.
 * - Anonymous memory (memfd) and named shared memory (shm) are files: a
 *   delete-on-close temporary file, and a file under %TEMP%\memmap-shm. Both
 *   then grow with ftruncate, report their size in fstat and map like any file,
 *   which is what core's descriptor-based code expects (POSIX shm is a tmpfs
 *   file too). FILE_ATTRIBUTE_TEMPORARY keeps their pages in memory.
 * - There is no SIGBUS: Windows refuses to shrink a file while any view of it
 *   is mapped (ERROR_USER_MAPPED_FILE, reported as EBUSY), so the guard never
 *   has anything to absorb.
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00 /* WaitOnAddress (Windows 8+) */
#endif
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "shim.h"
#include "errnos.h"

/* ---- errors ------------------------------------------------------------ */

static int errno_of(DWORD e) {
  switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME: return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_NETWORK_ACCESS_DENIED:
    case ERROR_CANNOT_MAKE: return EACCES;
    case ERROR_PRIVILEGE_NOT_HELD: return EPERM;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_INVALID_HANDLE: return EBADF;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_NOT_ENOUGH_QUOTA:
    case ERROR_WORKING_SET_QUOTA: return ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
    case ERROR_DIRECTORY: return ENOTDIR; /* "the directory name is invalid" */
    case ERROR_FILE_TOO_LARGE: return EFBIG;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW: return ENAMETOOLONG;
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER:
    case ERROR_NEGATIVE_SEEK:
    case ERROR_MAPPED_ALIGNMENT:
    case ERROR_INVALID_ADDRESS:
    case ERROR_FILE_INVALID: return EINVAL;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    case ERROR_WRITE_PROTECT: return EROFS;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_USER_MAPPED_FILE: /* a file cannot shrink under a mapped view */
    case ERROR_DELETE_PENDING:
    case ERROR_BUSY: return EBUSY;
    case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
    case ERROR_NOACCESS: return EFAULT;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION: return EOPNOTSUPP;
    case ERROR_CALL_NOT_IMPLEMENTED: return ENOSYS;
    case ERROR_TOO_MANY_LINKS: return EMLINK;
    case ERROR_CRC:
    case ERROR_IO_DEVICE:
    case ERROR_SECTOR_NOT_FOUND: return EIO;
    case ERROR_TIMEOUT: return ETIMEDOUT;
    default: return EIO;
  }
}

/* -errno of the last Win32 error; call it right after the failing call. */
static int32_t last_error(void) { return ERR(errno_of(GetLastError())); }

/* ---- descriptors ------------------------------------------------------- */

#define FD_BASE 0x10000
#define FD_SLOTS 16384

struct fd_entry {
  HANDLE handle; /* NULL: free */
  int32_t access; /* MEMMAP_ACCESS_* */
  int32_t temporary; /* anonymous memory: never flushed to disk */
};

static struct fd_entry fd_table[FD_SLOTS];
static SRWLOCK fd_lock = SRWLOCK_INIT;
static int fd_next;

static int32_t fd_add(HANDLE h, int32_t access, int32_t temporary) {
  AcquireSRWLockExclusive(&fd_lock);
  for (int n = 0; n < FD_SLOTS; n++) {
    int i = (fd_next + n) % FD_SLOTS;
    if (fd_table[i].handle != NULL) continue;
    fd_table[i].handle = h;
    fd_table[i].access = access;
    fd_table[i].temporary = temporary;
    fd_next = (i + 1) % FD_SLOTS;
    ReleaseSRWLockExclusive(&fd_lock);
    return FD_BASE + i;
  }
  ReleaseSRWLockExclusive(&fd_lock);
  CloseHandle(h);
  return ERR(EMFILE);
}

/* The entry of fd, or 0 if fd is not one of ours. */
static int fd_get(int32_t fd, struct fd_entry *out) {
  if (fd < FD_BASE || fd >= FD_BASE + FD_SLOTS) return 0;
  AcquireSRWLockShared(&fd_lock);
  *out = fd_table[fd - FD_BASE];
  ReleaseSRWLockShared(&fd_lock);
  return out->handle != NULL;
}

/* ---- paths ------------------------------------------------------------- */

/* UTF-8 to a heap UTF-16 string (free it), or NULL with *err set. */
static wchar_t *wide(const char *utf8, int32_t *err) {
  if (utf8 == NULL) {
    *err = ERR(EINVAL);
    return NULL;
  }
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  if (n <= 0) {
    *err = ERR(EINVAL); /* not valid UTF-8 */
    return NULL;
  }
  wchar_t *w = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (size_t)n * sizeof(wchar_t));
  if (w == NULL) {
    *err = ERR(ENOMEM);
    return NULL;
  }
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n);
  return w;
}

static void wfree(wchar_t *w) {
  if (w) HeapFree(GetProcessHeap(), 0, w);
}

int64_t memmap_page_size(void) {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  return (int64_t)si.dwAllocationGranularity;
}

/* CreateFileW with POSIX open semantics; the handle is not inherited (O_CLOEXEC). */
static int32_t open_wide(const wchar_t *path, int32_t flags, int32_t mode, DWORD attributes, int32_t temporary) {
  int write = (flags & MEMMAP_OPEN_WRITE) != 0;
  DWORD disposition;
  if (flags & MEMMAP_OPEN_CREATE) {
    disposition = (flags & MEMMAP_OPEN_EXCL) ? CREATE_NEW : (flags & MEMMAP_OPEN_TRUNC) ? CREATE_ALWAYS : OPEN_ALWAYS;
  } else {
    disposition = (flags & MEMMAP_OPEN_TRUNC) ? TRUNCATE_EXISTING : OPEN_EXISTING;
  }
  /* A new file without the owner's write bit gets the read-only attribute, as Node does. */
  if ((flags & MEMMAP_OPEN_CREATE) && !(mode & 0200)) attributes |= FILE_ATTRIBUTE_READONLY;
  /* Share everything, FILE_SHARE_DELETE included, so rename and unlink of an open
     or mapped file work as on POSIX. BACKUP_SEMANTICS lets a directory open, so
     fstat can say it is one. */
  HANDLE h = CreateFileW(path, GENERIC_READ | (write ? GENERIC_WRITE : 0),
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disposition,
                         attributes | FILE_FLAG_BACKUP_SEMANTICS, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    int32_t err = last_error();
    if (err == ERR(EACCES)) {
      DWORD a = GetFileAttributesW(path);
      if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) return ERR(EISDIR);
    }
    return err;
  }
  int existed = disposition == OPEN_EXISTING || disposition == TRUNCATE_EXISTING ||
                (disposition == OPEN_ALWAYS && GetLastError() == ERROR_ALREADY_EXISTS);
  if (write) {
    /* BACKUP_SEMANTICS opens a directory even for writing; POSIX says EISDIR. Windows
       refuses to write an existing read-only file; wine running as root does not, so
       say it here too (a file this call created is writable, as with O_CREAT). */
    BY_HANDLE_FILE_INFORMATION info;
    int32_t refused = 0;
    if (GetFileInformationByHandle(h, &info)) {
      if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) refused = ERR(EISDIR);
      else if (existed && (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY)) refused = ERR(EACCES);
    }
    if (refused) {
      CloseHandle(h);
      return refused;
    }
  }
  return fd_add(h, MEMMAP_ACCESS_READ | (write ? MEMMAP_ACCESS_WRITE : 0), temporary);
}

int32_t memmap_open(const char *path, int32_t flags, int32_t mode) {
  int32_t err = 0;
  wchar_t *w = wide(path, &err);
  if (w == NULL) return err;
  int32_t fd = open_wide(w, flags, mode, FILE_ATTRIBUTE_NORMAL, 0);
  wfree(w);
  return fd;
}

int32_t memmap_close(int32_t fd) {
  if (fd < FD_BASE || fd >= FD_BASE + FD_SLOTS) return ERR(EBADF);
  AcquireSRWLockExclusive(&fd_lock);
  HANDLE h = fd_table[fd - FD_BASE].handle;
  fd_table[fd - FD_BASE].handle = NULL;
  ReleaseSRWLockExclusive(&fd_lock);
  if (h == NULL) return ERR(EBADF);
  return CloseHandle(h) ? 0 : last_error();
}

int32_t memmap_fstat(int32_t fd, int64_t *out) {
  struct fd_entry e;
  if (out == NULL) return ERR(EINVAL);
  if (!fd_get(fd, &e)) return ERR(EBADF);
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(e.handle, &info)) return last_error();
  int dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  out[MEMMAP_STAT_SIZE] = dir ? 0 : (int64_t)(((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow);
  out[MEMMAP_STAT_KIND] = dir ? MEMMAP_KIND_DIRECTORY
                          : GetFileType(e.handle) == FILE_TYPE_DISK ? MEMMAP_KIND_FILE
                                                                     : MEMMAP_KIND_OTHER;
  /* Windows has only the read-only attribute; Node reports 0666/0444 the same way. */
  int64_t perm = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
  out[MEMMAP_STAT_PERM] = dir ? perm | 0111 : perm;
  out[MEMMAP_STAT_DEV] = (int64_t)info.dwVolumeSerialNumber;
  out[MEMMAP_STAT_INO] = (int64_t)(((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow);
  return 0;
}

int32_t memmap_fd_access(int32_t fd) {
  struct fd_entry e;
  return fd_get(fd, &e) ? e.access : ERR(EBADF);
}

int32_t memmap_ftruncate(int32_t fd, int64_t size) {
  struct fd_entry e;
  if (size < 0) return ERR(EINVAL);
  if (!fd_get(fd, &e)) return ERR(EBADF);
  if (!(e.access & MEMMAP_ACCESS_WRITE)) return ERR(EINVAL); /* as ftruncate on an O_RDONLY fd */
  /* SetEndOfFile moves the file pointer, which nothing here uses otherwise. */
  LARGE_INTEGER li;
  li.QuadPart = size;
  if (!SetFilePointerEx(e.handle, li, NULL, FILE_BEGIN)) return last_error();
  return SetEndOfFile(e.handle) ? 0 : last_error();
}

int32_t memmap_fsync(int32_t fd) {
  struct fd_entry e;
  if (!fd_get(fd, &e)) return ERR(EBADF);
  /* FlushFileBuffers needs write access; a read-only descriptor wrote nothing to flush. */
  if (!(e.access & MEMMAP_ACCESS_WRITE) || e.temporary) return 0;
  return FlushFileBuffers(e.handle) ? 0 : last_error();
}

/* ---- views --------------------------------------------------------------- */

/* Shared file views, with their own handle of the file: a synchronous msync must
   FlushFileBuffers after FlushViewOfFile, wait/notify name a word by its place in
   the file, and core closes the descriptor right after mapping. */
struct view {
  uintptr_t base;
  uintptr_t end;
  HANDLE file;
  int64_t offset; /* of base in the file */
  int writable;
  /* The file's identity for wait/notify names, read once here rather than per call:
     "<volume serial>-<file index>", empty if Windows could not say. */
  char identity[32];
};

static struct view *views;
static size_t view_count, view_capacity;
static SRWLOCK view_lock = SRWLOCK_INIT;

static int view_add(uintptr_t base, uintptr_t end, HANDLE file, int64_t offset, int writable) {
  char identity[32] = "";
  BY_HANDLE_FILE_INFORMATION info;
  if (GetFileInformationByHandle(file, &info)) {
    snprintf(identity, sizeof identity, "%08lx-%08lx%08lx", (unsigned long)info.dwVolumeSerialNumber,
             (unsigned long)info.nFileIndexHigh, (unsigned long)info.nFileIndexLow);
  }
  AcquireSRWLockExclusive(&view_lock);
  if (view_count == view_capacity) {
    size_t cap = view_capacity ? view_capacity * 2 : 64;
    void *p = views ? HeapReAlloc(GetProcessHeap(), 0, views, cap * sizeof *views)
                    : HeapAlloc(GetProcessHeap(), 0, cap * sizeof *views);
    if (p == NULL) {
      ReleaseSRWLockExclusive(&view_lock);
      return -1;
    }
    views = (struct view *)p;
    view_capacity = cap;
  }
  views[view_count].base = base;
  views[view_count].end = end;
  views[view_count].file = file;
  views[view_count].offset = offset;
  views[view_count].writable = writable;
  memcpy(views[view_count].identity, identity, sizeof identity);
  view_count++;
  ReleaseSRWLockExclusive(&view_lock);
  return 0;
}

/* Takes the view starting at base out of the table into *out; 0 if there is none. */
static int view_take(uintptr_t base, struct view *out) {
  int found = 0;
  AcquireSRWLockExclusive(&view_lock);
  for (size_t i = 0; i < view_count; i++) {
    if (views[i].base != base) continue;
    *out = views[i];
    views[i] = views[--view_count];
    found = 1;
    break;
  }
  ReleaseSRWLockExclusive(&view_lock);
  return found;
}

/* A duplicate of the file handle of the writable view containing addr (close it), or NULL. */
static HANDLE view_file(uintptr_t addr) {
  HANDLE h = NULL;
  AcquireSRWLockShared(&view_lock);
  for (size_t i = 0; i < view_count; i++) {
    if (addr < views[i].base || addr >= views[i].end || !views[i].writable) continue;
    if (!DuplicateHandle(GetCurrentProcess(), views[i].file, GetCurrentProcess(), &h, 0, FALSE, DUPLICATE_SAME_ACCESS)) h = NULL;
    break;
  }
  ReleaseSRWLockShared(&view_lock);
  return h;
}

/* Reads one byte per page so the pages are resident (MAP_POPULATE). Reading a
   copy-on-write page maps the file's page; it copies nothing. */
static void populate(const volatile uint8_t *p, int64_t length) {
  uint8_t sink = 0;
  for (int64_t o = 0; o < length; o += 4096) sink ^= p[o];
  (void)sink;
}

int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset) {
  struct fd_entry e;
  if (length <= 0 || offset < 0 || offset % memmap_page_size() != 0) return ERR(EINVAL);
  if (!fd_get(fd, &e)) return ERR(EBADF);
  int shared = (flags & MEMMAP_MAP_SHARED) != 0;
  int write = (prot & MEMMAP_PROT_WRITE) != 0;
  if (!(e.access & MEMMAP_ACCESS_READ)) return ERR(EACCES);
  if (shared && write && !(e.access & MEMMAP_ACCESS_WRITE)) return ERR(EACCES);
  DWORD protect, access;
  if (write && !shared) {
    protect = PAGE_WRITECOPY; /* private: copy-on-write, works over a read-only handle */
    access = FILE_MAP_COPY;
  } else if (write) {
    protect = PAGE_READWRITE;
    access = FILE_MAP_WRITE; /* a read/write view */
  } else {
    protect = PAGE_READONLY;
    access = FILE_MAP_READ;
  }
  /* Size 0: the section is exactly the file. A larger one would grow a writable file. */
  HANDLE section = CreateFileMappingW(e.handle, NULL, protect, 0, 0, NULL);
  if (section == NULL) return last_error();
  void *p = MapViewOfFile(section, access, (DWORD)((uint64_t)offset >> 32), (DWORD)((uint64_t)offset & 0xffffffffu), (SIZE_T)length);
  int32_t err = p == NULL ? last_error() : 0;
  /* The view keeps the section alive; its handle is not needed any more. */
  CloseHandle(section);
  if (p == NULL) return err;
  if (shared && !e.temporary) {
    HANDLE dup = NULL;
    if (!DuplicateHandle(GetCurrentProcess(), e.handle, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS) ||
        view_add((uintptr_t)p, (uintptr_t)p + (uintptr_t)length, dup, offset, write) < 0) {
      err = dup == NULL ? last_error() : ERR(ENOMEM);
      if (dup) CloseHandle(dup);
      UnmapViewOfFile(p);
      return err;
    }
  }
  if (flags & MEMMAP_MAP_POPULATE) populate((const volatile uint8_t *)p, length);
  return (int64_t)(uintptr_t)p;
}

int32_t memmap_munmap(int64_t addr, int64_t length) {
  if (length <= 0) return ERR(EINVAL);
  /* Out of the table before the view goes: once it is unmapped another thread's mmap may
     get the same base, and its entry must not be the one taken here. */
  struct view v;
  int tracked = view_take((uintptr_t)addr, &v);
  /* Only whole views can be unmapped on Windows: addr must be what mmap returned. */
  if (!UnmapViewOfFile(ADDR(addr))) {
    int32_t err = last_error();
    if (tracked && view_add(v.base, v.end, v.file, v.offset, v.writable) < 0) CloseHandle(v.file);
    return err;
  }
  if (tracked) CloseHandle(v.file);
  return 0;
}

int32_t memmap_msync(int64_t addr, int64_t length, int32_t flags) {
  if (length < 0) return ERR(EINVAL);
  if (length == 0) return 0;
  HANDLE file = view_file((uintptr_t)addr);
  if (file == NULL) return 0; /* anonymous memory or a private view: nothing to write back */
  int32_t r = 0;
  /* FlushViewOfFile starts the write-back; FlushFileBuffers waits for it (MS_SYNC). */
  if (!FlushViewOfFile(ADDR(addr), (SIZE_T)length)) r = last_error();
  else if (!(flags & MEMMAP_SYNC_ASYNC) && !FlushFileBuffers(file)) r = last_error();
  CloseHandle(file);
  return r;
}

typedef BOOL(WINAPI *prefetch_fn)(HANDLE, ULONG_PTR, PWIN32_MEMORY_RANGE_ENTRY, ULONG);

int32_t memmap_madvise(int64_t addr, int64_t length, int32_t advice) {
  if (advice < MEMMAP_ADVICE_NORMAL || advice > MEMMAP_ADVICE_NOHUGEPAGE) return ERR(EINVAL);
  if (length <= 0 || advice != MEMMAP_ADVICE_WILLNEED) return 0; /* hints Windows has no call for */
  /* PrefetchVirtualMemory is Windows 8+: looked up, so the DLL loads where it is missing. */
  static prefetch_fn prefetch;
  static int looked_up;
  if (!looked_up) {
    HMODULE k = GetModuleHandleW(L"kernel32.dll");
    prefetch = k ? (prefetch_fn)(void (*)(void))GetProcAddress(k, "PrefetchVirtualMemory") : NULL;
    looked_up = 1;
  }
  if (prefetch) {
    WIN32_MEMORY_RANGE_ENTRY range = {ADDR(addr), (SIZE_T)length};
    (void)prefetch(GetCurrentProcess(), 1, &range, 0); /* a hint: failure is not an error */
  }
  return 0;
}

int32_t memmap_mlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  if (VirtualLock(ADDR(addr), (SIZE_T)length)) return 0;
  if (GetLastError() != ERROR_WORKING_SET_QUOTA) return last_error();
  /* Locked pages count against the minimum working set (a few hundred KiB by
     default): raise it by the length, as RLIMIT_MEMLOCK would be raised, and retry. */
  SIZE_T lo, hi;
  if (!GetProcessWorkingSetSize(GetCurrentProcess(), &lo, &hi)) return last_error();
  if (!SetProcessWorkingSetSize(GetCurrentProcess(), lo + (SIZE_T)length, hi + (SIZE_T)length)) return last_error();
  return VirtualLock(ADDR(addr), (SIZE_T)length) ? 0 : last_error();
}

int32_t memmap_munlock(int64_t addr, int64_t length) {
  if (length <= 0) return 0;
  if (VirtualUnlock(ADDR(addr), (SIZE_T)length)) return 0;
  return GetLastError() == ERROR_NOT_LOCKED ? 0 : last_error(); /* munlock of unlocked pages succeeds */
}

int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length) {
  (void)addr; (void)old_length; (void)new_length;
  return ERR(ENOSYS); /* core unmaps and maps again */
}

int32_t memmap_mincore(int64_t addr, int64_t length, uint8_t *out) {
  (void)addr; (void)length; (void)out;
  /* QueryWorkingSetEx would tell only about this process's working set, per 4 KiB page,
     not per allocation-granularity "page" of memmap_page_size: core says it is unavailable. */
  return ERR(ENOSYS);
}

/* ---- anonymous and named shared memory ----------------------------------- */

static volatile LONG anonymous_counter;

int32_t memmap_memfd_create(const char *name) {
  (void)name; /* a file name must not leak it: the temporary file is named by pid and counter */
  wchar_t dir[MAX_PATH + 1], path[MAX_PATH + 64];
  DWORD n = GetTempPathW(MAX_PATH + 1, dir);
  if (n == 0 || n > MAX_PATH) return n == 0 ? last_error() : ERR(ENAMETOOLONG);
  for (int attempt = 0; attempt < 16; attempt++) {
    _snwprintf(path, sizeof path / sizeof path[0], L"%lsmemmap-anon-%lu-%ld-%llu.tmp", dir, GetCurrentProcessId(),
               InterlockedIncrement(&anonymous_counter), (unsigned long long)GetTickCount64());
    path[sizeof path / sizeof path[0] - 1] = 0;
    /* Deleted when the last handle and view are gone, like a memfd; TEMPORARY keeps it in memory. */
    int32_t fd = open_wide(path, MEMMAP_OPEN_WRITE | MEMMAP_OPEN_CREATE | MEMMAP_OPEN_EXCL, 0600,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, 1);
    if (fd != ERR(EEXIST)) return fd;
  }
  return ERR(EEXIST);
}

/* %TEMP%\memmap-shm\NAME for "/NAME", the folder created on first use. */
static wchar_t *shm_path(const char *name, int create_dir, int32_t *err) {
  if (name == NULL || name[0] != '/' || name[1] == 0 || strchr(name + 1, '/') || strchr(name + 1, '\\')) {
    *err = ERR(EINVAL);
    return NULL;
  }
  wchar_t *bare = wide(name + 1, err);
  if (bare == NULL) return NULL;
  wchar_t dir[MAX_PATH + 1];
  DWORD n = GetTempPathW(MAX_PATH + 1, dir);
  size_t len = n + wcslen(bare) + 16;
  wchar_t *path = n == 0 || n > MAX_PATH ? NULL : (wchar_t *)HeapAlloc(GetProcessHeap(), 0, len * sizeof(wchar_t));
  if (path == NULL) {
    *err = n == 0 ? last_error() : ERR(ENAMETOOLONG);
    wfree(bare);
    return NULL;
  }
  _snwprintf(path, len, L"%lsmemmap-shm", dir);
  path[len - 1] = 0;
  if (create_dir && !CreateDirectoryW(path, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
    *err = last_error();
    wfree(bare);
    wfree(path);
    return NULL;
  }
  _snwprintf(path, len, L"%lsmemmap-shm\\%ls", dir, bare);
  path[len - 1] = 0;
  wfree(bare);
  return path;
}

int32_t memmap_shm_open(const char *name, int32_t flags, int32_t mode) {
  int32_t err = 0;
  wchar_t *path = shm_path(name, (flags & MEMMAP_OPEN_CREATE) != 0, &err);
  if (path == NULL) return err;
  int32_t fd = open_wide(path, flags & ~MEMMAP_OPEN_TRUNC, mode, FILE_ATTRIBUTE_TEMPORARY, 0);
  wfree(path);
  return fd;
}

int32_t memmap_shm_unlink(const char *name) {
  int32_t err = 0;
  wchar_t *path = shm_path(name, 0, &err);
  if (path == NULL) return err;
  int32_t r = DeleteFileW(path) ? 0 : last_error();
  wfree(path);
  return r;
}

/* ---- copying and file operations ----------------------------------------- */

int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length) {
  (void)in_fd; (void)in_offset; (void)out_fd; (void)out_offset; (void)length;
  return ERR(ENOSYS); /* core copies through mappings */
}

int32_t memmap_clone(int32_t src_fd, int32_t dst_fd) {
  (void)src_fd; (void)dst_fd;
  return ERR(ENOTSUP); /* ReFS block cloning (FSCTL_DUPLICATE_EXTENTS_TO_FILE) is not used */
}

int32_t memmap_fchmod(int32_t fd, int32_t mode) {
  struct fd_entry e;
  if (!fd_get(fd, &e)) return ERR(EBADF);
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(e.handle, &info)) return last_error();
  /* Only the owner's write bit means anything: it is the read-only attribute. */
  FILE_BASIC_INFO basic;
  memset(&basic, 0, sizeof basic); /* zero times: leave them unchanged */
  DWORD a = info.dwFileAttributes & ~(DWORD)FILE_ATTRIBUTE_READONLY;
  if (!(mode & 0200)) a |= FILE_ATTRIBUTE_READONLY;
  basic.FileAttributes = a ? a : FILE_ATTRIBUTE_NORMAL;
  return SetFileInformationByHandle(e.handle, FileBasicInfo, &basic, sizeof basic) ? 0 : last_error();
}

int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length) {
  struct fd_entry e;
  if (offset < 0 || length <= 0) return ERR(EINVAL);
  if (!fd_get(fd, &e)) return ERR(EBADF);
  FILE_STANDARD_INFO st;
  if (!GetFileInformationByHandleEx(e.handle, FileStandardInfo, &st, sizeof st)) return ERR(EOPNOTSUPP);
  int64_t end = offset + length;
  if (end > st.AllocationSize.QuadPart) {
    /* Reserves clusters up to end, so a full disk is ENOSPC here rather than an
       in-page error when a view is written. */
    FILE_ALLOCATION_INFO alloc;
    alloc.AllocationSize.QuadPart = end;
    if (!SetFileInformationByHandle(e.handle, FileAllocationInfo, &alloc, sizeof alloc)) {
      int err = errno_of(GetLastError());
      return ERR(err == ENOSPC ? ENOSPC : EOPNOTSUPP);
    }
  }
  /* fallocate mode 0 also grows the file to end. */
  if (end > st.EndOfFile.QuadPart) return memmap_ftruncate(fd, end);
  return 0;
}

int64_t memmap_seek_data(int32_t fd, int64_t offset) {
  (void)fd; (void)offset;
  return ERR(ENOSYS); /* core treats the whole file as data */
}

int64_t memmap_seek_hole(int32_t fd, int64_t offset) {
  (void)fd; (void)offset;
  return ERR(ENOSYS);
}

/* Windows has no umask: new files get 0666 less only the read-only attribute
   (Node's process.umask() is 0 on Windows too). */
int32_t memmap_umask(void) { return 0; }

/* Two UTF-16 paths for the two-path calls; returns 0 or -errno. */
static int32_t wide2(const char *a, const char *b, wchar_t **wa, wchar_t **wb) {
  int32_t err = 0;
  *wa = wide(a, &err);
  if (*wa == NULL) return err;
  *wb = wide(b, &err);
  if (*wb == NULL) {
    wfree(*wa);
    return err;
  }
  return 0;
}

int32_t memmap_rename(const char *from, const char *to) {
  wchar_t *wf, *wt;
  int32_t r = wide2(from, to, &wf, &wt);
  if (r < 0) return r;
  r = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING) ? 0 : last_error();
  wfree(wf);
  wfree(wt);
  return r;
}

int32_t memmap_link(const char *from, const char *to) {
  wchar_t *wf, *wt;
  int32_t r = wide2(from, to, &wf, &wt);
  if (r < 0) return r;
  r = CreateHardLinkW(wt, wf, NULL) ? 0 : last_error();
  wfree(wf);
  wfree(wt);
  return r;
}

int32_t memmap_unlink(const char *path) {
  int32_t err = 0;
  wchar_t *w = wide(path, &err);
  if (w == NULL) return err;
  int32_t r = DeleteFileW(w) ? 0 : last_error();
  if (r == ERR(EACCES)) {
    /* POSIX unlink ignores the file's own mode; DeleteFileW refuses a read-only file. */
    DWORD a = GetFileAttributesW(w);
    if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) r = ERR(EISDIR);
    else if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_READONLY) &&
             SetFileAttributesW(w, a & ~(DWORD)FILE_ATTRIBUTE_READONLY)) {
      r = DeleteFileW(w) ? 0 : last_error();
      if (r < 0) SetFileAttributesW(w, a);
    }
  }
  wfree(w);
  return r;
}

/* ---- waiting ------------------------------------------------------------- */

/* WaitOnAddress wakes threads of one process only. A word inside a shared file
   view (a mapped file, or named shared memory, which is a file here) can have
   waiters in other processes, so it is waited on through a named semaphore whose
   name every process derives alike: the file's identity (volume serial, file
   index) and the word's offset in the file. Anonymous memory and private views
   cannot be seen by another process: WaitOnAddress serves them. */
static int wait_name(uintptr_t addr, char *name, size_t capacity) {
  int found = 0;
  AcquireSRWLockShared(&view_lock);
  for (size_t i = 0; i < view_count; i++) {
    if (addr < views[i].base || addr >= views[i].end) continue;
    if (views[i].identity[0]) {
      snprintf(name, capacity, "Local\\memmap-wait-%s-%016llx", views[i].identity,
               (unsigned long long)(views[i].offset + (int64_t)(addr - views[i].base)));
      found = 1;
    }
    break;
  }
  ReleaseSRWLockShared(&view_lock);
  return found;
}

static DWORD wait_ms(int64_t timeout_ms) {
  if (timeout_ms < 0) return INFINITE;
  return timeout_ms >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)timeout_ms;
}

/* notify(all) releases this many: a semaphore cannot tell how many wait. Releases
   nobody takes leave spurious wakes, which callers handle by re-checking the word
   (as after a futex wake), until the last waiter closes the semaphore. */
#define WAKE_ALL 1024

int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms) {
  volatile LONG *word = (volatile LONG *)ADDR(addr);
  if (addr == 0 || (addr & 3) != 0) return ERR(EINVAL);
  char name[96];
  if (wait_name((uintptr_t)addr, name, sizeof name)) {
    /* Opened before the compare: a notify that follows a change finds it, so no wake is lost. */
    HANDLE sem = CreateSemaphoreA(NULL, 0, LONG_MAX, name);
    if (sem == NULL) return last_error();
    int32_t r;
    if (*word != expected) {
      r = ERR(EAGAIN);
    } else {
      DWORD w = WaitForSingleObject(sem, wait_ms(timeout_ms));
      r = w == WAIT_OBJECT_0 ? 0 : w == WAIT_TIMEOUT ? ERR(ETIMEDOUT) : last_error();
    }
    CloseHandle(sem);
    return r;
  }
  if (*word != expected) return ERR(EAGAIN);
  LONG compare = expected;
  if (WaitOnAddress(word, &compare, sizeof compare, wait_ms(timeout_ms))) return 0; /* woken (maybe spuriously: callers re-check) */
  return GetLastError() == ERROR_TIMEOUT ? ERR(ETIMEDOUT) : last_error();
}

int32_t memmap_notify(int64_t addr, int32_t count) {
  if (addr == 0 || (addr & 3) != 0) return ERR(EINVAL);
  char name[96];
  if (wait_name((uintptr_t)addr, name, sizeof name)) {
    /* No semaphore by that name: nobody waits (waiters open it before they compare). */
    HANDLE sem = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, name);
    if (sem == NULL) return 0;
    /* At most WAKE_ALL: core asks for 0x7fffffff to mean all, which would overflow the count. */
    if (count != 0) ReleaseSemaphore(sem, count < 0 || count > WAKE_ALL ? WAKE_ALL : count, NULL);
    CloseHandle(sem);
    return 0;
  }
  if (count < 0) WakeByAddressAll(ADDR(addr));
  else
    for (int32_t i = 0; i < count; i++) WakeByAddressSingle(ADDR(addr));
  /* Windows does not tell how many threads woke. */
  return 0;
}

void memmap_yield(void) { SwitchToThread(); }

int32_t memmap_process_tag(int32_t pid) {
  if (pid <= 0) return ERR(ESRCH);
  HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
  if (p == NULL) return GetLastError() == ERROR_ACCESS_DENIED ? 0 : ERR(ESRCH); /* exists, not ours to query */
  DWORD code = 0;
  FILETIME created, exited, kernel, user;
  int32_t tag = ERR(ESRCH);
  if (GetExitCodeProcess(p, &code) && code == STILL_ACTIVE) {
    tag = 0;
    /* The creation time tells a process from a later one given the same id. */
    if (GetProcessTimes(p, &created, &exited, &kernel, &user)) {
      uint64_t t = ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
      tag = (int32_t)(t % 0x7ffffffeULL) + 1;
    }
  }
  CloseHandle(p);
  return tag;
}

/* A parent that waits on a child gets its exit code from the runtime's own handle there. */
int32_t memmap_child_exit(int32_t pid) {
  (void)pid;
  return ERR(ENOSYS);
}

/* ---- truncation guard ------------------------------------------------------
   Nothing to guard: a mapped file cannot shrink on Windows (ERROR_USER_MAPPED_FILE),
   so no page of a view ever lies past the end of its file. Slots are handed out so
   core's bookkeeping is the same everywhere; they never count a fault. */

#define GUARD_SLOTS 4096
static volatile LONG guard_next;

int32_t memmap_guard_add(int64_t addr, int64_t length) {
  if (addr <= 0 || length <= 0) return ERR(EINVAL);
  return (int32_t)((ULONG)InterlockedIncrement(&guard_next) % GUARD_SLOTS);
}

int32_t memmap_guard_remove(int32_t slot) {
  return slot < 0 || slot >= GUARD_SLOTS ? ERR(EINVAL) : 0;
}

int64_t memmap_guard_faults(int32_t slot) {
  return slot < 0 || slot >= GUARD_SLOTS ? ERR(EINVAL) : 0;
}
