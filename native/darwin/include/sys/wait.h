/* Hand-written for the macOS build (no SDK here). <sys/wait.h>, what posix.c uses. */
#ifndef MEMMAP_DARWIN_SYS_WAIT_H
#define MEMMAP_DARWIN_SYS_WAIT_H

#include <signal.h>
#include <sys/types.h>

typedef enum { P_ALL, P_PID, P_PGID } idtype_t;
typedef unsigned int id_t; /* __darwin_id_t */

#define WNOHANG 0x00000001
#define WEXITED 0x00000004
#define WNOWAIT 0x00000020

/* si_code of SIGCHLD */
#define CLD_EXITED 1

int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options);

#endif
