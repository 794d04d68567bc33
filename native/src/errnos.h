/*
 * The one table of errno names the shim knows, for every platform: error_describe and
 * errno_table read it, so no platform can report a name another lacks. Each entry is the
 * name and glibc's description (what every platform's messages say, since the Windows CRT
 * has no text for most of these numbers). The numbers are the platform's own; win32.c
 * maps Windows' codes onto mingw's errno.h.
 */
#ifndef MEMMAP_ERRNOS_H
#define MEMMAP_ERRNOS_H

#include <errno.h>

/* The Windows CRT has no EDQUOT (win32.c never reports it): Winsock's number for it
   (WSAEDQUOT), which no CRT errno uses, keeps the table the same everywhere. */
#ifndef EDQUOT
#define EDQUOT 10069
#endif

/* ENOTSUP before EOPNOTSUPP: where they are one number (Linux), the first name wins. */
#define MEMMAP_ERRNOS(XX)                                \
  XX(EPERM, "Operation not permitted")                   \
  XX(ENOENT, "No such file or directory")                \
  XX(ESRCH, "No such process")                           \
  XX(EINTR, "Interrupted system call")                   \
  XX(EIO, "Input/output error")                          \
  XX(ENXIO, "No such device or address")                 \
  XX(E2BIG, "Argument list too long")                    \
  XX(EBADF, "Bad file descriptor")                       \
  XX(EAGAIN, "Resource temporarily unavailable")         \
  XX(ENOMEM, "Cannot allocate memory")                   \
  XX(EACCES, "Permission denied")                        \
  XX(EFAULT, "Bad address")                              \
  XX(EBUSY, "Device or resource busy")                   \
  XX(EEXIST, "File exists")                              \
  XX(EXDEV, "Invalid cross-device link")                 \
  XX(ENODEV, "No such device")                           \
  XX(ENOTDIR, "Not a directory")                         \
  XX(EISDIR, "Is a directory")                           \
  XX(EINVAL, "Invalid argument")                         \
  XX(ENFILE, "Too many open files in system")            \
  XX(EMFILE, "Too many open files")                      \
  XX(ENOTTY, "Inappropriate ioctl for device")           \
  XX(ETXTBSY, "Text file busy")                          \
  XX(EFBIG, "File too large")                            \
  XX(ENOSPC, "No space left on device")                  \
  XX(ESPIPE, "Illegal seek")                             \
  XX(EROFS, "Read-only file system")                     \
  XX(EMLINK, "Too many links")                           \
  XX(EPIPE, "Broken pipe")                               \
  XX(ERANGE, "Numerical result out of range")            \
  XX(ENAMETOOLONG, "File name too long")                 \
  XX(ENOSYS, "Function not implemented")                 \
  XX(ENOTEMPTY, "Directory not empty")                   \
  XX(ELOOP, "Too many levels of symbolic links")         \
  XX(EOVERFLOW, "Value too large for defined data type") \
  XX(ENOTSUP, "Operation not supported")                 \
  XX(EOPNOTSUPP, "Operation not supported")              \
  XX(ETIMEDOUT, "Connection timed out")                  \
  XX(EDQUOT, "Disk quota exceeded")

#endif
