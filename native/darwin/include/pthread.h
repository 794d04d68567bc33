/* Hand-written for the macOS build (no SDK here). <pthread.h>, what the shim uses. */
#ifndef MEMMAP_DARWIN_PTHREAD_H
#define MEMMAP_DARWIN_PTHREAD_H

typedef unsigned long pthread_key_t; /* __darwin_pthread_key_t */

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

#endif
