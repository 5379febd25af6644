/*
 * store.h: where the auth server keeps state, behind one interface.
 *
 * Two kinds of state:
 *   durable     VideoSDK meetings and Sceenic session tokens: rows with an
 *               expiry, removed by store_cleanup once expired.
 *   short-lived jti marks (replay protection: "jti"; revocation: "rev") and
 *               rate-limit counters, each with its own expiry.
 *
 * Three backends implement it:
 *   sqlite:PATH         one machine; WAL, a busy_timeout, one connection with
 *                       its prepared statements per thread (no global lock)
 *   postgresql://...    a fleet; one libpq connection per thread, reconnected
 *                       by itself after a failure
 *   redis://host:port/N the short-lived state only ("cache"); SET NX EXAT for
 *                       marks, INCR + EXPIRE for counters
 * The durable state always lives in the store; the short-lived state lives
 * in the cache when there is one and in the store otherwise.
 *
 * Every call is safe from any thread. A call that fails returns STORE_ERROR
 * and leaves a one-line reason in the calling thread's store_error() (never
 * a password: connection strings are not repeated in it).
 */
#ifndef AUTH_SERVER_STORE_H
#define AUTH_SERVER_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum { STORE_OK = 0, STORE_NONE = 1, STORE_ERROR = -1 };

struct backend;

struct backend_ops {
  const char *name; /* "sqlite", "postgresql", "redis": the metrics label */
  /* Durable rows. put: STORE_OK stored, STORE_NONE the id is taken. get:
   * STORE_OK found (the token copied to out when out is not NULL),
   * STORE_NONE absent or expired. */
  int (*put_meeting)(struct backend *, const char *id, int64_t expires);
  int (*get_meeting)(struct backend *, const char *id, int64_t now);
  int (*put_session)(struct backend *, const char *id, const char *token, int64_t expires);
  int (*get_session)(struct backend *, const char *id, int64_t now, char *out, size_t cap);
  /* A mark (kind "jti" or "rev") on key until `expires`. claim: STORE_OK if
   * this call placed it, STORE_NONE if an unexpired mark was there already
   * (atomic across every instance sharing the backend). set: places or
   * extends it. has: STORE_OK marked, STORE_NONE not. */
  int (*claim_mark)(struct backend *, const char *kind, const char *key, int64_t expires, int64_t now);
  int (*set_mark)(struct backend *, const char *kind, const char *key, int64_t expires);
  int (*has_mark)(struct backend *, const char *kind, const char *key, int64_t now);
  /* Adds one to the counter of key in the window starting at `window`
   * (seconds, `length` long) and sets *count to its new value. */
  int (*count)(struct backend *, const char *key, int64_t window, uint32_t length, int64_t *count);
  /* Removes what expired before now. */
  int (*cleanup)(struct backend *, int64_t now);
  /* STORE_OK when the backend answers. */
  int (*ping)(struct backend *);
  void (*close)(struct backend *);
};

struct backend {
  const struct backend_ops *ops;
};

/* Opens the backend a URL names ("sqlite:PATH", "postgresql://...",
 * "postgres://...", "redis://..."). Connects once, bounded in time (5 s),
 * and creates the tables; NULL with the reason in why on failure. */
struct backend *store_open(const char *url, char *why, size_t cap);

struct backend *sqlite_open(const char *path, char *why, size_t cap);
struct backend *pg_open(const char *url, char *why, size_t cap);
struct backend *redis_open(const char *url, char *why, size_t cap);

/* The calling thread's reason for its last STORE_ERROR. */
const char *store_error(void);
void store_set_error(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Milliseconds on the monotonic clock. */
int64_t store_clock_ms(void);

/* A network backend's per-thread connection keeps one of these: after a
 * failed connect the thread fails fast, with the same reason, for 250 ms
 * before it tries again, so requests get a quick error instead of piling
 * up on connect timeouts. */
struct retry_gate {
  int64_t failed_at; /* ms; 0: try now */
  char why[256]; /* as long as store_error() */
};
/* 1 while the gate is shut (store_error() then says why), 0 to try. */
int gate_shut(const struct retry_gate *g);
/* A failed attempt: store_error() is kept as the reason, and the clock. */
void gate_fail(struct retry_gate *g);
/* The next attempt may go at once (a success, or a connection just lost). */
void gate_open(struct retry_gate *g);

/* The calling thread's value for key: allocated zeroed (size bytes) on the
 * first call; NULL when out of memory (store_error() says so). */
void *store_thread_slot(pthread_key_t key, size_t size);

#endif
