/* Hand-written for the macOS build (no SDK here). Values from <unistd.h> and
   <sys/_types/_seek_set.h>. */
#ifndef MEMMAP_DARWIN_UNISTD_H
#define MEMMAP_DARWIN_UNISTD_H

#include <sys/types.h>

#define SEEK_HOLE 3 /* lseek to the next hole at or after the offset (APFS) */
#define SEEK_DATA 4 /* lseek to the next data at or after the offset */

#define _SC_PAGESIZE 29

int close(int fd);
ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int pipe(int fds[2]);
int ftruncate(int fd, off_t length);
int fsync(int fd);
off_t lseek(int fd, off_t offset, int whence);
int link(const char *from, const char *to);
int unlink(const char *path);
pid_t getpid(void);
long sysconf(int name);

#endif
