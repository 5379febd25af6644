/* store.c: the backend a URL names, and the per-thread error reason. */
#define _GNU_SOURCE
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static __thread char last_error[256];

const char *store_error(void) { return last_error[0] ? last_error : "unknown error"; }

void store_set_error(const char *fmt, ...) {
  va_list ap;
  size_t n;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  /* One line: libpq's and hiredis's messages end in newlines. */
  n = strlen(last_error);
  while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == ' ')) last_error[--n] = '\0';
  for (char *p = last_error; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
}

int64_t store_clock_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

#define RETRY_MS 250

int gate_shut(const struct retry_gate *g) {
  if (!g->failed_at || store_clock_ms() - g->failed_at >= RETRY_MS) return 0;
  store_set_error("%s", g->why);
  return 1;
}

void gate_fail(struct retry_gate *g) {
  snprintf(g->why, sizeof g->why, "%s", store_error());
  g->failed_at = store_clock_ms();
  if (g->failed_at == 0) g->failed_at = 1;
}

void gate_open(struct retry_gate *g) { g->failed_at = 0; }

void *store_thread_slot(pthread_key_t key, size_t size) {
  void *p = pthread_getspecific(key);
  if (p) return p;
  if (!(p = calloc(1, size)) || pthread_setspecific(key, p) != 0) {
    free(p);
    store_set_error("out of memory");
    return NULL;
  }
  return p;
}

struct backend *store_open(const char *url, char *why, size_t cap) {
  if (strncmp(url, "sqlite:", 7) == 0) return sqlite_open(url + 7, why, cap);
  if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) return pg_open(url, why, cap);
  if (strncmp(url, "redis://", 8) == 0) return redis_open(url, why, cap);
  snprintf(why, cap, "unknown scheme (sqlite:PATH, postgresql://..., redis://host:port/db)");
  return NULL;
}
