/*
 * Internal to Tessera: the per-thread error detail behind
 * tessera_last_error(). Not installed, not exported (hidden visibility).
 */
#ifndef TESSERA_SUPPORT_H
#define TESSERA_SUPPORT_H

#include <stddef.h>

/* Capacity of the detail buffer, NUL included. Longer details are cut at a
 * UTF-8 character boundary. */
#define TESSERA_DETAIL_CAP 512

/* The calling thread's detail: a NUL-terminated string, never NULL. */
const char *tessera__detail_get(void);
/* Replaces the calling thread's detail with `len` bytes of `msg`. */
void tessera__detail_set(const char *msg, size_t len);
/* Empties the calling thread's detail. */
void tessera__detail_clear(void);

#endif
