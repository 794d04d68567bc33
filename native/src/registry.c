/*
 * The registry of mappings shared between the threads of this process
 * (Mapping.handle() and fromHandle() in core). Every platform.
 *
 * A registered mapping has a reference count. A handle names it by an id (slot
 * and generation) and the process's key; acquire checks both against the table,
 * so a stale, forged or foreign handle is an error, never an address taken on
 * trust. The last release, in whichever thread, removes the truncation guard's
 * slot, unmaps and closes the descriptor.
 *
 * Each thread keeps the ids it holds in a thread-local list; when the thread
 * exits (a terminated Worker) its destructor releases them: pthread_key on
 * POSIX, a fiber-local slot's callback on Windows. The module is pinned
 * (-z nodelete, GET_MODULE_HANDLE_EX_FLAG_PIN) so the destructor never outlives
 * the code when a runtime unloads the library.
 *
 * SharedArrayBuffers (mapping.sharedBuffer, ABI 11) pin an entry too, in a count of their
 * own: they cannot be detached, so when the last reference goes while some remain, that
 * thread replaces the range with zero pages (one mmap(MAP_FIXED): never unmapped in between)
 * and closes the descriptor, and the address range is unmapped by the last one's finalizer,
 * which the runtime may run on any thread. `zeroing` marks the replacement in progress so a
 * finalizer that comes meanwhile leaves the unmap to the replacing thread.
 *
 * Locks: one spin lock over the table, held for a few loads and stores only. It
 * is never held while calling into guard.c (guard_remove takes the slot's busy
 * flag) nor across a system call, and the SIGBUS handler never takes it, so
 * there is no lock order to keep with the truncation guard. The thread-local
 * list is touched only by its own thread.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#if defined(__linux__) && defined(__GLIBC__)
/* glibc 2.34 moved these into libc with a new version; bind the old one, which every
   glibc has (in libpthread before 2.34, which the runtimes load), to keep the 2.17 floor. */
#if defined(__x86_64__)
__asm__(".symver pthread_key_create,pthread_key_create@GLIBC_2.2.5");
__asm__(".symver pthread_getspecific,pthread_getspecific@GLIBC_2.2.5");
__asm__(".symver pthread_setspecific,pthread_setspecific@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver pthread_key_create,pthread_key_create@GLIBC_2.17");
__asm__(".symver pthread_getspecific,pthread_getspecific@GLIBC_2.17");
__asm__(".symver pthread_setspecific,pthread_setspecific@GLIBC_2.17");
#endif
#endif
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#define REGISTRY_SLOT_BITS 12
#define REGISTRY_SLOTS (1 << REGISTRY_SLOT_BITS)

struct registry_entry {
  int64_t addr;
  int64_t length;
  int32_t fd;
  int32_t guard;
  int32_t flags;
  int32_t refs;        /* Mapping references; 0 and no sabs: free */
  uint32_t generation; /* bumped when freed; never 0 in an id */
  int32_t sabs;        /* SharedArrayBuffers over it (sab_pin), released by their finalizers */
  int32_t zeroing;     /* the last reference went with sabs left: its thread is replacing the range */
};

static struct registry_entry registry[REGISTRY_SLOTS];
static atomic_flag registry_lock = ATOMIC_FLAG_INIT;
static int64_t registry_key; /* set once under the lock; 0 until then */

/* The ids one thread holds (duplicates allowed: one per reference). */
struct held {
  int32_t count;
  int32_t capacity;
  int64_t ids[];
};

static void lock(void) {
  while (atomic_flag_test_and_set_explicit(&registry_lock, memory_order_acquire)) {
#if defined(_WIN32)
    SwitchToThread();
#else
    sched_yield();
#endif
  }
}

static void unlock(void) { atomic_flag_clear_explicit(&registry_lock, memory_order_release); }

static void release_all(void *list);

#if defined(_WIN32)
static DWORD held_slot = FLS_OUT_OF_INDEXES;

static int held_init(void) {
  HMODULE self;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN, (LPCWSTR)(void *)&release_all, &self);
  held_slot = FlsAlloc((PFLS_CALLBACK_FUNCTION)release_all);
  return held_slot == FLS_OUT_OF_INDEXES ? ERR(ENOMEM) : 0;
}
static struct held *held_get(void) { return (struct held *)FlsGetValue(held_slot); }
static void held_set(struct held *h) { FlsSetValue(held_slot, h); }

static int64_t process_key(void) {
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  return ((int64_t)GetCurrentProcessId() << 32) ^ now.QuadPart ^ (int64_t)(uintptr_t)&registry;
}
#else
static pthread_key_t held_key;

static int held_init(void) { return pthread_key_create(&held_key, release_all) == 0 ? 0 : ERR(ENOMEM); }
static struct held *held_get(void) { return (struct held *)pthread_getspecific(held_key); }
static void held_set(struct held *h) { pthread_setspecific(held_key, h); }

static int64_t process_key(void) {
  return ((int64_t)getpid() << 32) ^ memmap_now_ns() ^ (int64_t)(uintptr_t)&registry;
}
#endif

/* Once per process: the thread-exit hook and the key handles carry. */
static int ensure_init(void) {
  if (registry_key != 0) return 0;
  int r = held_init();
  if (r < 0) return r;
  int64_t key = process_key() & 0x7fffffffffffffffLL;
  registry_key = key ? key : 1;
  return 0;
}

static int held_add(int64_t id) {
  struct held *h = held_get();
  if (h == NULL || h->count == h->capacity) {
    int32_t capacity = h ? h->capacity * 2 : 16;
    struct held *grown = realloc(h, sizeof *h + (size_t)capacity * sizeof h->ids[0]);
    if (grown == NULL) return ERR(ENOMEM);
    if (h == NULL) grown->count = 0;
    grown->capacity = capacity;
    h = grown;
    held_set(h);
  }
  h->ids[h->count++] = id;
  return 0;
}

/* Removes one reference to id from this thread's list: 0, or -EPERM when it holds none. */
static int held_remove(int64_t id) {
  struct held *h = held_get();
  for (int32_t i = h ? h->count - 1 : -1; i >= 0; i--) {
    if (h->ids[i] == id) {
      h->ids[i] = h->ids[--h->count];
      return 0;
    }
  }
  return ERR(EPERM);
}

static int64_t id_of(int32_t slot) { return ((int64_t)registry[slot].generation << REGISTRY_SLOT_BITS) | slot; }

/* The entry an id names while anything holds it (Mapping references or SharedArrayBuffers),
   or NULL. Called with the lock held. */
static struct registry_entry *lookup_held(int64_t id) {
  if (id <= 0) return NULL;
  struct registry_entry *e = &registry[id & (REGISTRY_SLOTS - 1)];
  if ((e->refs <= 0 && e->sabs <= 0) || (int64_t)e->generation != (id >> REGISTRY_SLOT_BITS)) return NULL;
  return e;
}

/* The entry an id names while a Mapping reference holds it, or NULL. Called with the lock held. */
static struct registry_entry *lookup(int64_t id) {
  struct registry_entry *e = lookup_held(id);
  return e != NULL && e->refs > 0 ? e : NULL;
}

/* Frees the entry (its id goes stale). Called with the lock held. */
static void retire(struct registry_entry *e) {
  e->refs = 0;
  e->sabs = 0;
  e->zeroing = 0;
  if (++e->generation == 0) e->generation = 1;
}

#if !defined(_WIN32)
/* Private anonymous zero pages over the range, in one mmap(MAP_FIXED): the range is never
   unmapped in between, so a SharedArrayBuffer over it reads 0 and its writes are dropped, and
   no other allocation can take the addresses while it lives. */
static void zero_pages(int64_t addr, int64_t length) {
  if (length > 0) mmap(ADDR(addr), (size_t)length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
}
#endif

/* Drops one reference; the last one unmaps, or, while SharedArrayBuffers remain, puts zero
   pages in place and leaves the address range to the last one's finalizer.
   Returns the references left, or -ENOENT. */
static int32_t drop(int64_t id) {
  lock();
  struct registry_entry *e = lookup(id);
  if (e == NULL) {
    unlock();
    return ERR(ENOENT);
  }
  int32_t left = --e->refs;
  struct registry_entry gone = *e;
  int pinned = left == 0 && e->sabs > 0;
  if (pinned) e->zeroing = 1;
  else if (left == 0) retire(e);
  unlock();
  if (left > 0) return left;
  if (!pinned) {
    memmap_unmap(gone.addr, gone.length, gone.guard, gone.fd);
    return 0;
  }
#if !defined(_WIN32)
  /* Zero pages first, then the guard slot: a truncated file's page must not fault in between. */
  zero_pages(gone.addr, gone.length);
#endif
  if (gone.guard >= 0) memmap_guard_remove(gone.guard);
  if (gone.fd >= 0) memmap_close(gone.fd);
  lock();
  e->zeroing = 0;
  e->guard = -1;
  e->fd = -1;
  /* The last SharedArrayBuffer may have gone while the range was being replaced. */
  int last = e->sabs == 0;
  if (last) retire(e);
  unlock();
  if (last && gone.length > 0) memmap_munmap(gone.addr, gone.length);
  return 0;
}

/* The thread is exiting (a Worker ended, closed or not): its references go. */
static void release_all(void *list) {
  struct held *h = (struct held *)list;
  if (h == NULL) return;
  for (int32_t i = 0; i < h->count; i++) drop(h->ids[i]);
  free(h);
#if defined(_WIN32)
  /* The callback also runs at FlsFree and fiber deletion: leave no dangling list. */
  if (held_slot != FLS_OUT_OF_INDEXES && FlsGetValue(held_slot) == list) FlsSetValue(held_slot, NULL);
#endif
}

int64_t memmap_registry_key(void) {
  lock();
  int r = ensure_init();
  unlock();
  return r < 0 ? r : registry_key;
}

int64_t memmap_registry_add(int64_t addr, int64_t length, int32_t fd, int32_t guard, int32_t flags) {
  if (length < 0) return ERR(EINVAL);
  lock();
  int r = ensure_init();
  int32_t slot = -1;
  for (int32_t i = 0; r == 0 && i < REGISTRY_SLOTS; i++) {
    if (registry[i].refs == 0 && registry[i].sabs == 0 && !registry[i].zeroing) {
      slot = i;
      break;
    }
  }
  if (r == 0 && slot < 0) r = ERR(ENOSPC);
  if (r < 0) {
    unlock();
    return r;
  }
  struct registry_entry *e = &registry[slot];
  if (e->generation == 0) e->generation = 1;
  e->addr = addr;
  e->length = length;
  e->fd = fd;
  e->guard = guard;
  e->flags = flags;
  e->refs = 1;
  int64_t id = id_of(slot);
  unlock();
  if ((r = held_add(id)) < 0) {
    /* Not registered after all: the caller keeps owning the mapping. */
    lock();
    retire(e);
    unlock();
    return r;
  }
  return id;
}

int32_t memmap_registry_acquire(int64_t id, int64_t key, int64_t *out) {
  if (out == NULL) return ERR(EINVAL);
  lock();
  if (registry_key == 0 || key != registry_key) {
    unlock();
    return ERR(EXDEV);
  }
  struct registry_entry *e = lookup(id);
  if (e == NULL) {
    unlock();
    return ERR(ENOENT);
  }
  e->refs++;
  out[MEMMAP_REGISTRY_ADDR] = e->addr;
  out[MEMMAP_REGISTRY_LENGTH] = e->length;
  out[MEMMAP_REGISTRY_FD] = e->fd;
  out[MEMMAP_REGISTRY_GUARD] = e->guard;
  out[MEMMAP_REGISTRY_FLAGS] = e->flags;
  unlock();
  int r = held_add(id);
  if (r < 0) drop(id);
  return r;
}

int32_t memmap_registry_release(int64_t id) {
  int r = held_remove(id);
  return r < 0 ? r : drop(id);
}

int32_t memmap_registry_take(int64_t id) {
  /* This thread's reference first: another thread could not take it from us anyway. */
  int r = held_remove(id);
  if (r < 0) return r;
  lock();
  struct registry_entry *e = lookup(id);
  r = e == NULL ? ERR(ENOENT) : e->refs > 1 ? ERR(EBUSY) : e->sabs > 0 ? ERR(ENOTEMPTY) : 0;
  if (r == 0) retire(e);
  unlock();
  if ((r == ERR(EBUSY) || r == ERR(ENOTEMPTY)) && held_add(id) < 0) drop(id);
  return r;
}

/* ---- SharedArrayBuffers over registered mappings (ABI 11; native/napi/shared-buffer.c) ---- */

int32_t memmap_registry_sab_pin(int64_t id, int64_t *out) {
  if (out == NULL) return ERR(EINVAL);
#if defined(_WIN32)
  (void)id;
  return ERR(ENOSYS); /* no atomic replacement of a mapped range with zero pages */
#else
  lock();
  struct registry_entry *e = lookup(id);
  if (e == NULL) {
    unlock();
    return ERR(ENOENT);
  }
  e->sabs++;
  out[MEMMAP_REGISTRY_ADDR] = e->addr;
  out[MEMMAP_REGISTRY_LENGTH] = e->length;
  unlock();
  return 0;
#endif
}

int32_t memmap_registry_sab_unpin(int64_t id) {
  lock();
  struct registry_entry *e = lookup_held(id);
  if (e == NULL || e->sabs <= 0) {
    unlock();
    return ERR(ENOENT);
  }
  int32_t left = --e->sabs;
  struct registry_entry gone = *e;
  /* While zeroing, the thread replacing the range frees it when it is done. */
  int last = left == 0 && e->refs == 0 && !e->zeroing;
  if (last) retire(e);
  unlock();
  if (last && gone.length > 0) memmap_munmap(gone.addr, gone.length);
  return left;
}

int32_t memmap_registry_sab_retained(void) {
  int32_t n = 0;
  lock();
  for (int32_t i = 0; i < REGISTRY_SLOTS; i++) n += registry[i].refs == 0 && registry[i].sabs > 0;
  unlock();
  return n;
}
