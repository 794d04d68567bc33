/*
 * What every platform's shim shares: the ABI version, memcpy between mappings,
 * and the errno names and numbers (errnos.h).
 */
#include "shim.h"
#include "errnos.h"

#include <stdio.h>
#include <string.h>

int32_t memmap_abi_version(void) { return MEMMAP_ABI_VERSION; }

void memmap_copy(int64_t dst_addr, int64_t src_addr, int64_t length) {
  if (length > 0) memcpy(ADDR(dst_addr), ADDR(src_addr), (size_t)length);
}

static const struct {
  int number;
  const char *name;
  const char *text;
} errnos[] = {
#define XX(e, s) {e, #e, s},
    MEMMAP_ERRNOS(XX)
#undef XX
};

#define ERRNO_COUNT (sizeof errnos / sizeof errnos[0])

int32_t memmap_error_describe(int32_t err, char *buf, int32_t capacity) {
  if (buf == NULL || capacity <= 0) return ERR(EINVAL);
  const char *name = "EUNKNOWN", *text = NULL;
  for (size_t i = 0; i < ERRNO_COUNT; i++) {
    if (errnos[i].number == err) {
      name = errnos[i].name;
      text = errnos[i].text;
      break;
    }
  }
  /* A number outside the table still gets the C library's words for it. */
  int n = snprintf(buf, (size_t)capacity, "%s:%s", name, text ? text : strerror(err));
  return n < 0 ? ERR(EINVAL) : (n >= capacity ? capacity - 1 : n);
}

int32_t memmap_errno_table(char *buf, int32_t capacity) {
  if (buf == NULL || capacity <= 0) return ERR(EINVAL);
  int32_t used = 0;
  for (size_t i = 0; i < ERRNO_COUNT; i++) {
    int n = snprintf(buf + used, (size_t)(capacity - used), "%s=%d\n", errnos[i].name, errnos[i].number);
    if (n < 0) return ERR(EINVAL);
    if (n >= capacity - used) return ERR(ERANGE);
    used += n;
  }
  return used;
}
