/*
 * A stand-in for bcryptprimitives.dll, which wine 8 lacks and Bun for Windows
 * imports for ProcessPrng (its random numbers). Only for running the tests
 * under wine: it forwards to RtlGenRandom (advapi32's SystemFunction036).
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  /* RtlGenRandom takes a ULONG: fill large requests in pieces. */
  while (length > 0) {
    ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    length -= n;
  }
  return TRUE;
}
