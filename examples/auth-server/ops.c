/* ops.c: metrics and the JSON log. */
#define _GNU_SOURCE
#include "ops.h"

#include <tessera.h>

#include "../common/status_category.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LABELS 64
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

static const unsigned statuses[] = {200, 400, 401, 403, 404, 405, 413, 429, 500, 503, 0 /* any other */};
#define NSTATUS (sizeof statuses / sizeof statuses[0])
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

struct histogram {
  uint64_t buckets[NBOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
  uint64_t count, sum_ns;
};

static void observe(struct histogram *h, double seconds) {
  size_t i = 0;
  while (i < NBOUNDS && seconds > bounds[i]) i++;
  ADD(&h->buckets[i], 1);
  ADD(&h->count, 1);
  ADD(&h->sum_ns, (uint64_t)(seconds > 0 ? seconds * 1e9 : 0));
}

static struct {
  const char *endpoints[MAX_LABELS];
  int nendpoints;
  uint64_t requests[MAX_LABELS][NSTATUS];
  struct histogram latency[MAX_LABELS];
  const char *platforms[MAX_LABELS];
  int nplatforms;
  uint64_t minted[MAX_LABELS];
  uint64_t failures[REASON_REVOKED - REASON_MISSING + 1 + 16];
  uint64_t replays, rate_caller, rate_address, reload_ok, reload_failed;
  int64_t inflight;
  const char *backend[2];
  uint64_t store_errors[2];
  struct histogram store_latency[2];
} m;

static int label(const char **table, int *n, const char *name) {
  for (int i = 0; i < *n; i++)
    if (!strcmp(table[i], name)) return i;
  if (*n == MAX_LABELS) return -1;
  table[*n] = name;
  return (*n)++;
}

int metrics_endpoint(const char *name) { return label(m.endpoints, &m.nendpoints, name); }
int metrics_platform(const char *name) { return label(m.platforms, &m.nplatforms, name); }

void metrics_set_backends(const char *store, const char *cache) {
  m.backend[0] = store;
  m.backend[1] = cache;
}

void metrics_request(int endpoint, unsigned status, double seconds) {
  size_t s = 0;
  if (endpoint < 0 || endpoint >= m.nendpoints) return;
  while (statuses[s] && statuses[s] != status) s++;
  ADD(&m.requests[endpoint][s], 1);
  observe(&m.latency[endpoint], seconds);
}

void metrics_minted(int platform) {
  if (platform >= 0 && platform < m.nplatforms) ADD(&m.minted[platform], 1);
}

/* Tessera's statuses are -1 to -14; the server's own reasons follow. */
static int reason_slot(int reason) {
  if (reason >= REASON_MISSING && reason <= REASON_REVOKED) return 16 + reason - REASON_MISSING;
  if (reason < 0 && reason > -16) return -reason;
  return 0;
}

void metrics_verify_failure(int reason) { ADD(&m.failures[reason_slot(reason)], 1); }
void metrics_replay_refused(void) { ADD(&m.replays, 1); }
void metrics_rate_limited(int per_caller) { ADD(per_caller ? &m.rate_caller : &m.rate_address, 1); }
void metrics_reload(int ok) { ADD(ok ? &m.reload_ok : &m.reload_failed, 1); }
void metrics_inflight(int delta) { ADD(&m.inflight, delta); }
int64_t metrics_inflight_count(void) { return LOAD(&m.inflight); }

void metrics_store_call(int role, int ok, double seconds) {
  if (role < 0 || role > 1) return;
  if (!ok) ADD(&m.store_errors[role], 1);
  observe(&m.store_latency[role], seconds);
}

const char *status_category(int reason) {
  switch (reason) {
  case REASON_MISSING: return "missing";
  case REASON_REPLAYED: return "replayed";
  case REASON_REVOKED: return "revoked";
  default: return tessera_status_category(reason);
  }
}

/* ---- the exposition --------------------------------------------------------- */

struct text {
  char *p;
  size_t len, cap;
  int failed;
};

static void put(struct text *t, const char *fmt, ...) {
  va_list ap;
  int n;
  if (t->failed) return;
  for (;;) {
    va_start(ap, fmt);
    n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
      t->failed = 1;
      return;
    }
    if ((size_t)n < t->cap - t->len) break;
    {
      size_t cap = t->cap * 2 + (size_t)n;
      char *grown = realloc(t->p, cap);
      if (!grown) {
        t->failed = 1;
        return;
      }
      t->p = grown;
      t->cap = cap;
    }
  }
  t->len += (size_t)n;
}

static void put_histogram(struct text *t, const char *name, const char *lname, const char *lvalue, struct histogram *h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= NBOUNDS; i++) {
    cumulative += LOAD(&h->buckets[i]);
    if (i < NBOUNDS) put(t, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name, lname, lvalue, bounds[i], (unsigned long long)cumulative);
    else put(t, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, lname, lvalue, (unsigned long long)cumulative);
  }
  put(t, "%s_sum{%s=\"%s\"} %.9f\n", name, lname, lvalue, (double)LOAD(&h->sum_ns) / 1e9);
  put(t, "%s_count{%s=\"%s\"} %llu\n", name, lname, lvalue, (unsigned long long)LOAD(&h->count));
}

char *metrics_render(size_t *len) {
  struct text t = {.p = malloc(16384), .cap = 16384};
  static const int reasons[] = {TESSERA_E_MALFORMED, TESSERA_E_SIGNATURE, TESSERA_E_EXPIRED, TESSERA_E_NOT_YET_VALID,
                                TESSERA_E_ISSUED_IN_FUTURE, TESSERA_E_CLAIM, TESSERA_E_LIFETIME, TESSERA_E_KEY_NOT_FOUND,
                                TESSERA_E_ALGORITHM, TESSERA_E_KEY, REASON_MISSING, REASON_REPLAYED, REASON_REVOKED};
  if (!t.p) return NULL;
  t.p[0] = '\0';
  put(&t, "# HELP auth_requests_total Requests answered, by endpoint and status.\n# TYPE auth_requests_total counter\n");
  for (int e = 0; e < m.nendpoints; e++)
    for (size_t s = 0; s < NSTATUS; s++) {
      uint64_t v = LOAD(&m.requests[e][s]);
      if (!v) continue;
      if (statuses[s]) put(&t, "auth_requests_total{endpoint=\"%s\",status=\"%u\"} %llu\n", m.endpoints[e], statuses[s], (unsigned long long)v);
      else put(&t, "auth_requests_total{endpoint=\"%s\",status=\"other\"} %llu\n", m.endpoints[e], (unsigned long long)v);
    }
  put(&t, "# HELP auth_request_duration_seconds Time from the request's first byte to the queued response.\n"
          "# TYPE auth_request_duration_seconds histogram\n");
  for (int e = 0; e < m.nendpoints; e++)
    if (LOAD(&m.latency[e].count)) put_histogram(&t, "auth_request_duration_seconds", "endpoint", m.endpoints[e], &m.latency[e]);
  put(&t, "# HELP auth_tokens_minted_total Credentials and tokens minted, by platform.\n# TYPE auth_tokens_minted_total counter\n");
  for (int p = 0; p < m.nplatforms; p++)
    put(&t, "auth_tokens_minted_total{platform=\"%s\"} %llu\n", m.platforms[p], (unsigned long long)LOAD(&m.minted[p]));
  put(&t, "# HELP auth_verification_failures_total Tokens refused (callers' and /verify's), by reason.\n"
          "# TYPE auth_verification_failures_total counter\n");
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
    put(&t, "auth_verification_failures_total{reason=\"%s\"} %llu\n", status_category(reasons[i]),
        (unsigned long long)LOAD(&m.failures[reason_slot(reasons[i])]));
  put(&t, "# HELP auth_replay_refusals_total Tokens refused because their jti was seen before.\n"
          "# TYPE auth_replay_refusals_total counter\nauth_replay_refusals_total %llu\n", (unsigned long long)LOAD(&m.replays));
  put(&t, "# HELP auth_rate_limited_total Requests refused with 429, by the limit they hit.\n"
          "# TYPE auth_rate_limited_total counter\n"
          "auth_rate_limited_total{scope=\"caller\"} %llu\nauth_rate_limited_total{scope=\"address\"} %llu\n",
      (unsigned long long)LOAD(&m.rate_caller), (unsigned long long)LOAD(&m.rate_address));
  put(&t, "# HELP auth_store_errors_total Failed calls to the store and the cache.\n# TYPE auth_store_errors_total counter\n");
  for (int r = 0; r < 2; r++)
    if (m.backend[r])
      put(&t, "auth_store_errors_total{role=\"%s\",backend=\"%s\"} %llu\n", r ? "cache" : "store", m.backend[r],
          (unsigned long long)LOAD(&m.store_errors[r]));
  put(&t, "# HELP auth_store_duration_seconds Time of each call to the store and the cache.\n"
          "# TYPE auth_store_duration_seconds histogram\n");
  for (int r = 0; r < 2; r++)
    if (m.backend[r]) put_histogram(&t, "auth_store_duration_seconds", "role", r ? "cache" : "store", &m.store_latency[r]);
  put(&t, "# HELP auth_config_reloads_total SIGHUP reloads, by result.\n# TYPE auth_config_reloads_total counter\n"
          "auth_config_reloads_total{result=\"ok\"} %llu\nauth_config_reloads_total{result=\"failed\"} %llu\n",
      (unsigned long long)LOAD(&m.reload_ok), (unsigned long long)LOAD(&m.reload_failed));
  put(&t, "# HELP auth_requests_in_flight Requests being handled now.\n# TYPE auth_requests_in_flight gauge\n"
          "auth_requests_in_flight %lld\n", (long long)LOAD(&m.inflight));
  if (t.failed) {
    free(t.p);
    return NULL;
  }
  *len = t.len;
  return t.p;
}

/* ---- the log -------------------------------------------------------------------- */

/* A JSON string of s: quotes, backslashes, control characters and every
 * byte beyond ASCII escaped, so a line stays one line of ASCII whatever a
 * client sent. Truncated (with "...") past `max` bytes of input. */
static void put_string(struct text *t, const char *s, size_t max) {
  size_t i;
  put(t, "\"");
  for (i = 0; s[i] && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') put(t, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f) put(t, "\\u%04x", c);
    else put(t, "%c", c);
  }
  put(t, s[i] ? "...\"" : "\"");
}

static void put_time(struct text *t) {
  struct timespec now;
  struct tm tm;
  char stamp[32];
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  put(t, "{\"time\":\"%s.%03ldZ\"", stamp, now.tv_nsec / 1000000);
}

static void emit(struct text *t) {
  put(t, "}\n");
  if (!t->failed) {
    ssize_t w = write(2, t->p, t->len);
    (void)w;
  }
  free(t->p);
}

void log_request(const struct log_request *r) {
  char buf[64];
  struct text t = {.p = malloc(1024), .cap = 1024};
  if (!t.p) return;
  put_time(&t);
  put(&t, ",\"request_id\":");
  put_string(&t, r->request_id ? r->request_id : "", 64);
  put(&t, ",\"client\":");
  put_string(&t, r->client ? r->client : "", 64);
  put(&t, ",\"method\":");
  put_string(&t, r->method ? r->method : "", 16);
  put(&t, ",\"path\":");
  put_string(&t, r->path ? r->path : "", 256);
  snprintf(buf, sizeof buf, "%.3f", r->duration_ms);
  put(&t, ",\"status\":%u,\"duration_ms\":%s", r->status, buf);
  if (r->sub) {
    put(&t, ",\"sub\":");
    put_string(&t, r->sub, 256);
  }
  if (r->detail) {
    put(&t, ",\"detail\":");
    put_string(&t, r->detail, 512);
  }
  emit(&t);
}

void log_event(const char *level, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  struct text t = {.p = malloc(1024), .cap = 1024};
  if (!t.p) return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  put_time(&t);
  put(&t, ",\"level\":");
  put_string(&t, level, 16);
  put(&t, ",\"msg\":");
  put_string(&t, msg, sizeof msg);
  emit(&t);
}
