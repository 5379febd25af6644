/*
 * cache_redis.c: the short-lived state in Redis, shared by every instance.
 * Marks are `SET tessera:<kind>:<key> 1 NX EXAT <expires>` (atomic: one
 * instance places a jti, every other sees it), counters `INCR` with an
 * `EXPIREAT` at the window's end, so Redis forgets both by itself. Durable
 * rows are not kept here (the calls refuse). Each thread holds one
 * connection with a 1 s connect and a 500 ms command timeout; after a
 * failure a thread retries at most every 250 ms and fails fast in between.
 * Needs Redis 7.0 or later (EXPIREAT ... GT; Debian 12 has 7.0).
 *
 *   redis://[:password@]host[:port][/db]
 */
#define _GNU_SOURCE
#include "store.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct redis_backend {
  struct backend base;
  char host[256];
  int port, db;
  char *password;
  pthread_key_t key;
};

struct connection {
  redisContext *ctx;
  struct retry_gate gate;
};

static void connection_free(void *p) {
  struct connection *c = p;
  if (!c) return;
  if (c->ctx) redisFree(c->ctx);
  free(c);
}

static int ok_reply(redisReply *r) { return r && r->type != REDIS_REPLY_ERROR; }

static int connect_redis(struct redis_backend *b, struct connection *c) {
  struct timeval connect_timeout = {1, 0}, command_timeout = {0, 500000};
  redisReply *r;
  if (c->ctx) redisFree(c->ctx);
  c->ctx = redisConnectWithTimeout(b->host, b->port, connect_timeout);
  if (!c->ctx || c->ctx->err) goto fail;
  redisSetTimeout(c->ctx, command_timeout);
  if (b->password) {
    r = redisCommand(c->ctx, "AUTH %s", b->password);
    if (!ok_reply(r)) {
      store_set_error("redis: AUTH refused");
      freeReplyObject(r);
      goto failed;
    }
    freeReplyObject(r);
  }
  if (b->db) {
    r = redisCommand(c->ctx, "SELECT %d", b->db);
    if (!ok_reply(r)) {
      store_set_error("redis: SELECT %d refused", b->db);
      freeReplyObject(r);
      goto failed;
    }
    freeReplyObject(r);
  }
  gate_open(&c->gate);
  return 0;
fail:
  store_set_error("redis: %s:%d: %s", b->host, b->port, c->ctx ? c->ctx->errstr : "out of memory");
failed:
  gate_fail(&c->gate);
  if (c->ctx) redisFree(c->ctx);
  c->ctx = NULL;
  return -1;
}

static struct connection *conn(struct backend *base) {
  struct redis_backend *b = (struct redis_backend *)base;
  struct connection *c = store_thread_slot(b->key, sizeof *c);
  if (!c || c->ctx) return c;
  if (gate_shut(&c->gate)) return NULL;
  return connect_redis(b, c) == 0 ? c : NULL;
}

/* Sends argc commands pipelined and reads their replies into replies[].
 * 0, or -1 with the connection dropped. When the connection broke before
 * any reply came, commands that are safe to repeat (`repeat`) are sent
 * once more on a fresh one; a claim or a counter is not, since Redis may
 * have run it before the connection failed (a timeout). */
static int pipeline(struct backend *base, int repeat, int argc, const char *const *args[], redisReply **replies) {
  struct connection *c = NULL;
  for (int attempt = 0; attempt < 1 + repeat; attempt++) {
    int i, failed = 0;
    c = conn(base);
    if (!c) return -1;
    for (i = 0; i < argc; i++) {
      int n = 0;
      while (args[i][n]) n++;
      if (redisAppendCommandArgv(c->ctx, n, (const char **)args[i], NULL) != REDIS_OK) failed = 1;
    }
    for (i = 0; i < argc && !failed; i++) {
      void *r = NULL;
      if (redisGetReply(c->ctx, &r) != REDIS_OK) {
        failed = 1;
        break;
      }
      replies[i] = r;
    }
    if (!failed) {
      for (i = 0; i < argc; i++)
        if (replies[i]->type == REDIS_REPLY_ERROR) {
          store_set_error("redis: %s", replies[i]->str);
          for (int k = 0; k < argc; k++) freeReplyObject(replies[k]);
          return -1;
        }
      return 0;
    }
    store_set_error("redis: %s", c->ctx->errstr[0] ? c->ctx->errstr : "connection lost");
    for (int k = 0; k < i; k++) freeReplyObject(replies[k]);
    redisFree(c->ctx);
    c->ctx = NULL;
    gate_open(&c->gate);
    if (i > 0) break; /* some were answered: do not repeat */
  }
  gate_fail(&c->gate);
  return -1;
}

static int key_name(char *out, size_t cap, const char *kind, const char *key) {
  int n = snprintf(out, cap, "tessera:%s:%s", kind, key);
  if (n < 0 || (size_t)n >= cap) {
    store_set_error("redis: key too long");
    return -1;
  }
  return 0;
}

static int no_rows(void) {
  store_set_error("redis: the cache keeps no durable rows");
  return STORE_ERROR;
}
static int put_meeting(struct backend *b, const char *id, int64_t e) { (void)b, (void)id, (void)e; return no_rows(); }
static int get_meeting(struct backend *b, const char *id, int64_t n) { (void)b, (void)id, (void)n; return no_rows(); }
static int put_session(struct backend *b, const char *id, const char *t, int64_t e) {
  (void)b, (void)id, (void)t, (void)e;
  return no_rows();
}
static int get_session(struct backend *b, const char *id, int64_t n, char *o, size_t c) {
  (void)b, (void)id, (void)n, (void)o, (void)c;
  return no_rows();
}

static int claim_mark(struct backend *b, const char *kind, const char *key, int64_t expires, int64_t now) {
  char name[600], at[24];
  const char *argv[] = {"SET", name, "1", "NX", "EXAT", at, NULL};
  const char *const *args[] = {argv};
  redisReply *r[1];
  int rc;
  (void)now;
  snprintf(at, sizeof at, "%lld", (long long)expires);
  if (key_name(name, sizeof name, kind, key) != 0 || pipeline(b, 0, 1, args, r) != 0) return STORE_ERROR;
  rc = r[0]->type == REDIS_REPLY_NIL ? STORE_NONE : STORE_OK;
  freeReplyObject(r[0]);
  return rc;
}

static int set_mark(struct backend *b, const char *kind, const char *key, int64_t expires) {
  char name[600], at[24];
  const char *set[] = {"SET", name, "1", "NX", "EXAT", at, NULL};
  const char *extend[] = {"EXPIREAT", name, at, "GT", NULL};
  const char *const *args[] = {set, extend};
  redisReply *r[2];
  snprintf(at, sizeof at, "%lld", (long long)expires);
  if (key_name(name, sizeof name, kind, key) != 0 || pipeline(b, 1, 2, args, r) != 0) return STORE_ERROR;
  freeReplyObject(r[0]);
  freeReplyObject(r[1]);
  return STORE_OK;
}

static int has_mark(struct backend *b, const char *kind, const char *key, int64_t now) {
  char name[600];
  const char *argv[] = {"EXISTS", name, NULL};
  const char *const *args[] = {argv};
  redisReply *r[1];
  int rc;
  (void)now;
  if (key_name(name, sizeof name, kind, key) != 0 || pipeline(b, 1, 1, args, r) != 0) return STORE_ERROR;
  rc = r[0]->type == REDIS_REPLY_INTEGER && r[0]->integer > 0 ? STORE_OK : STORE_NONE;
  freeReplyObject(r[0]);
  return rc;
}

static int count(struct backend *b, const char *key, int64_t window, uint32_t length, int64_t *n) {
  char name[600], suffix[640], at[24];
  /* The key is made with its expiry first, then counted: a connection lost
   * between the two never leaves a counter that lives for ever. */
  const char *create[] = {"SET", suffix, "0", "NX", "EXAT", at, NULL};
  const char *incr[] = {"INCR", suffix, NULL};
  const char *const *args[] = {create, incr};
  redisReply *r[2];
  int rc = STORE_ERROR;
  if (key_name(name, sizeof name, "rate", key) != 0) return STORE_ERROR;
  snprintf(suffix, sizeof suffix, "%s:%lld", name, (long long)window);
  snprintf(at, sizeof at, "%lld", (long long)(window + (int64_t)length + 1));
  if (pipeline(b, 0, 2, args, r) != 0) return STORE_ERROR;
  if (r[1]->type == REDIS_REPLY_INTEGER) {
    *n = r[1]->integer;
    rc = STORE_OK;
  } else {
    store_set_error("redis: INCR answered no integer");
  }
  freeReplyObject(r[0]);
  freeReplyObject(r[1]);
  return rc;
}

static int cleanup(struct backend *b, int64_t now) {
  (void)b, (void)now; /* Redis expires what it holds by itself. */
  return STORE_OK;
}

static int ping(struct backend *b) {
  const char *argv[] = {"PING", NULL};
  const char *const *args[] = {argv};
  redisReply *r[1];
  if (pipeline(b, 1, 1, args, r) != 0) return STORE_ERROR;
  freeReplyObject(r[0]);
  return STORE_OK;
}

static void close_backend(struct backend *base) {
  struct redis_backend *b = (struct redis_backend *)base;
  connection_free(pthread_getspecific(b->key));
  pthread_setspecific(b->key, NULL);
}

static const struct backend_ops redis_ops = {
    .name = "redis", .put_meeting = put_meeting, .get_meeting = get_meeting, .put_session = put_session,
    .get_session = get_session, .claim_mark = claim_mark, .set_mark = set_mark, .has_mark = has_mark,
    .count = count, .cleanup = cleanup, .ping = ping, .close = close_backend,
};

/* redis://[:password@]host[:port][/db] */
static int parse_url(struct redis_backend *b, const char *url, char *why, size_t cap) {
  const char *p = url + 8, *at = strchr(p, '@'), *end, *colon;
  size_t hl;
  b->port = 6379;
  if (at) {
    const char *pw = p;
    if (*pw == ':') pw++;
    else if (memchr(p, ':', (size_t)(at - p))) pw = (const char *)memchr(p, ':', (size_t)(at - p)) + 1;
    if (at > pw && !(b->password = strndup(pw, (size_t)(at - pw)))) goto bad;
    p = at + 1;
  }
  end = p + strcspn(p, "/");
  colon = memchr(p, ':', (size_t)(end - p));
  hl = (size_t)((colon ? colon : end) - p);
  if (hl == 0 || hl >= sizeof b->host) goto bad;
  memcpy(b->host, p, hl);
  b->host[hl] = '\0';
  if (colon) {
    char *stop;
    long port = strtol(colon + 1, &stop, 10);
    if (stop != end || port <= 0 || port > 65535) goto bad;
    b->port = (int)port;
  }
  if (*end == '/' && end[1]) {
    char *stop;
    long db = strtol(end + 1, &stop, 10);
    if (*stop || db < 0 || db > 1000000) goto bad;
    b->db = (int)db;
  }
  return 0;
bad:
  snprintf(why, cap, "redis: the URL must be redis://[:password@]host[:port][/db]");
  return -1;
}

struct backend *redis_open(const char *url, char *why, size_t cap) {
  struct redis_backend *b = calloc(1, sizeof *b);
  struct connection *c = calloc(1, sizeof *c);
  if (!b || !c || pthread_key_create(&b->key, connection_free) != 0) {
    snprintf(why, cap, "out of memory");
    return NULL;
  }
  b->base.ops = &redis_ops;
  if (parse_url(b, url, why, cap) != 0 || connect_redis(b, c) != 0) {
    if (!why[0] || c->gate.why[0]) snprintf(why, cap, "%s", c->gate.why[0] ? c->gate.why : "redis: cannot connect");
    connection_free(c);
    pthread_key_delete(b->key);
    free(b->password);
    free(b);
    return NULL;
  }
  pthread_setspecific(b->key, c);
  return &b->base;
}
