/*
 * ops.h: what an operator reads. Prometheus metrics (counters and
 * histograms kept with atomic adds, no lock on the request path) and one
 * JSON line per request or event on stderr.
 */
#ifndef AUTH_SERVER_OPS_H
#define AUTH_SERVER_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Labels are registered once, before serving; the index they return is
 * what the request path passes. -1 when the table is full. */
int metrics_endpoint(const char *label);
int metrics_platform(const char *label);
void metrics_set_backends(const char *store, const char *cache); /* cache NULL: none */

void metrics_request(int endpoint, unsigned status, double seconds);
void metrics_minted(int platform);
/* A refused token: a Tessera status, or one of the reasons below. */
enum { REASON_MISSING = 1000, REASON_REPLAYED, REASON_REVOKED };
void metrics_verify_failure(int reason);
void metrics_replay_refused(void);
void metrics_rate_limited(int per_caller);
/* role: 0 the store, 1 the cache. */
void metrics_store_call(int role, int ok, double seconds);
void metrics_reload(int ok);
void metrics_inflight(int delta);
int64_t metrics_inflight_count(void);

/* The exposition, malloc'd (NULL when out of memory). */
char *metrics_render(size_t *len);

/* The category a client is told for a refused token ("expired",
 * "signature", ...): never the library's detail. */
const char *status_category(int reason);

/* One JSON object per line on stderr, written with one write(2). */
struct log_request {
  const char *request_id, *client, *method, *path, *sub, *detail;
  unsigned status;
  double duration_ms;
};
void log_request(const struct log_request *r);
void log_event(const char *level, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
