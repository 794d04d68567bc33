/*
 * memmap's Node-API entry: mapping.sharedBuffer, a SharedArrayBuffer over a mapping the shim's
 * registry holds. Loaded by @memmap/node and @memmap/bun with process.dlopen; never by Deno.
 *
 * It trusts nothing from JS but a registry id: the shim's memmap_registry_sab_pin checks the id
 * and gives the address and length, and the bounds are checked here. The SharedArrayBuffer's
 * finalizer (node_api_noenv_finalize: any thread, no env, once the last agent's backing store
 * goes) calls memmap_registry_sab_unpin. Both functions come from the shim the JS side already
 * loaded, found with dlopen(RTLD_NOLOAD), so there is one registry; and
 * node_api_create_external_sharedarraybuffer is looked up at init, not linked, so a runtime
 * without it (Node before 24.16/26.1) gets ENOSYS instead of a symbol lookup error mid-call.
 *
 * No Node-API headers: a fresh machine has none, so the few declarations are below, from the
 * Node-API documentation (doc/api/n-api.md).
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dlfcn.h>
#include <errno.h>

#if defined(__linux__) && defined(__GLIBC__)
/* glibc 2.34 moved these into libc with a new version; bind the old one (libdl's before 2.34,
   which every runtime that loads addons has loaded) to keep the shim's glibc 2.17 floor. */
#if defined(__x86_64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.17");
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif
#endif

#define EXPORT __attribute__((visibility("default")))

/* ---- Node-API, as documented ---- */
typedef int napi_status; /* napi_ok is 0 */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*node_api_noenv_finalize)(void *data, void *hint);
typedef napi_status (*create_external_sab_fn)(napi_env env, void *data, size_t length, node_api_noenv_finalize finalize, void *hint,
                                              napi_value *result);

napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *this_arg, void **data);
napi_status napi_get_value_bigint_int64(napi_env env, napi_value value, int64_t *result, bool *lossless);
napi_status napi_get_value_int64(napi_env env, napi_value value, int64_t *result);
napi_status napi_get_value_string_utf8(napi_env env, napi_value value, char *buf, size_t bufsize, size_t *result);
napi_status napi_create_int32(napi_env env, int32_t value, napi_value *result);
napi_status napi_create_function(napi_env env, const char *name, size_t length, napi_callback cb, void *data, napi_value *result);
napi_status napi_set_named_property(napi_env env, napi_value object, const char *name, napi_value value);

/* ---- the shim's calls (memmap.h, ABI 11) ---- */
#define ABI_VERSION 11
#define SLOTS 5 /* MEMMAP_REGISTRY_SLOTS */
typedef int32_t (*pin_fn)(int64_t id, int64_t *out);
typedef int32_t (*unpin_fn)(int64_t id);

/* Set by init in each thread that loads the module (always to the same values), read by
   create and by finalizers on any thread: atomics, so those are not data races. */
static _Atomic(pin_fn) shim_pin;
static _Atomic(unpin_fn) shim_unpin;
static _Atomic(create_external_sab_fn) create_sab;

static napi_value number(napi_env env, int32_t value) {
  napi_value v = NULL;
  napi_create_int32(env, value, &v);
  return v;
}

static void finalize(void *data, void *hint) {
  (void)data;
  atomic_load(&shim_unpin)((int64_t)(intptr_t)hint);
}

/* init(shimPath): 0, or -errno: ENOENT the shim is not loaded in this process, ENOEXEC it is
   not ABI 11, ENOSYS this runtime has no node_api_create_external_sharedarraybuffer. */
static napi_value init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &n) != 0 || n >= sizeof path - 1)
    return number(env, -EINVAL);
  void *shim = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (shim == NULL) return number(env, -ENOENT);
  int32_t (*abi)(void) = (int32_t (*)(void))dlsym(shim, "memmap_abi_version");
  pin_fn pin = (pin_fn)dlsym(shim, "memmap_registry_sab_pin");
  unpin_fn unpin = (unpin_fn)dlsym(shim, "memmap_registry_sab_unpin");
  if (abi == NULL || pin == NULL || unpin == NULL || abi() != ABI_VERSION) return number(env, -ENOEXEC);
  create_external_sab_fn create = (create_external_sab_fn)dlsym(RTLD_DEFAULT, "node_api_create_external_sharedarraybuffer");
  if (create == NULL) return number(env, -ENOSYS);
  atomic_store(&shim_pin, pin);
  atomic_store(&shim_unpin, unpin);
  atomic_store(&create_sab, create);
  return number(env, 0);
}

/* create(id: bigint, offset: number, length: number): a SharedArrayBuffer over length bytes at
   offset into the registered mapping, or -errno (the shim's pin's, or EINVAL, ERANGE). */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int64_t id = 0, offset = 0, length = 0;
  bool lossless = false;
  create_external_sab_fn create_fn = atomic_load(&create_sab);
  pin_fn pin = atomic_load(&shim_pin);
  unpin_fn unpin = atomic_load(&shim_unpin);
  if (create_fn == NULL) return number(env, -ENOSYS);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 3 || napi_get_value_bigint_int64(env, argv[0], &id, &lossless) != 0 ||
      !lossless || napi_get_value_int64(env, argv[1], &offset) != 0 || napi_get_value_int64(env, argv[2], &length) != 0)
    return number(env, -EINVAL);
  int64_t out[SLOTS];
  int32_t r = pin(id, out);
  if (r < 0) return number(env, r);
  /* out[0] is the address, out[1] the mapped length. */
  if (offset < 0 || length <= 0 || offset > out[1] || length > out[1] - offset) {
    unpin(id);
    return number(env, -ERANGE);
  }
  napi_value sab = NULL;
  if (create_fn(env, (void *)(uintptr_t)(out[0] + offset), (size_t)length, finalize, (void *)(intptr_t)id, &sab) != 0 || sab == NULL) {
    /* On failure the runtime does not call the finalizer: the pin is ours to drop. */
    unpin(id);
    return number(env, -ENOMEM);
  }
  return sab;
}

EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "init", 4, init, NULL, &fn) == 0) napi_set_named_property(env, exports, "init", fn);
  if (napi_create_function(env, "create", 6, create, NULL, &fn) == 0) napi_set_named_property(env, exports, "create", fn);
  return exports;
}

/* Node-API 8: every call above is in it (the SharedArrayBuffer one is found at init). */
EXPORT int32_t node_api_module_get_api_version_v1(void) { return 8; }
