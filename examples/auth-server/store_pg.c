/*
 * store_pg.c: the fleet's backend, PostgreSQL through libpq. Each thread
 * holds one connection with the statements prepared on it. A statement that
 * fails because the connection broke (a server restart, a failover) drops
 * the connection and runs once more on a fresh one; while the server stays
 * away, a thread retries at most every 250 ms and fails fast in between, so
 * requests get a quick 503 instead of piling up.
 */
#define _GNU_SOURCE
#include "store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  PUT_MEETING, GET_MEETING, PUT_SESSION, GET_SESSION, CLAIM_MARK, SET_MARK, HAS_MARK, COUNT,
  CLEAN_MEETINGS, CLEAN_SESSIONS, CLEAN_MARKS, CLEAN_COUNTERS, PING, STATEMENTS
};

static const char *const sql[STATEMENTS] = {
    [PUT_MEETING] = "INSERT INTO meetings (id, expires) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    [GET_MEETING] = "SELECT 1 FROM meetings WHERE id = $1 AND expires > $2",
    [PUT_SESSION] = "INSERT INTO sceenic_sessions (token_id, token, expires) VALUES ($1, $2, $3)"
                    " ON CONFLICT (token_id) DO NOTHING",
    [GET_SESSION] = "SELECT token FROM sceenic_sessions WHERE token_id = $1 AND expires > $2",
    /* The row lock ON CONFLICT takes makes this atomic across instances. */
    [CLAIM_MARK] = "INSERT INTO marks (kind, key, expires) VALUES ($1, $2, $3) ON CONFLICT (kind, key)"
                   " DO UPDATE SET expires = EXCLUDED.expires WHERE marks.expires <= $4",
    [SET_MARK] = "INSERT INTO marks (kind, key, expires) VALUES ($1, $2, $3) ON CONFLICT (kind, key)"
                 " DO UPDATE SET expires = GREATEST(marks.expires, EXCLUDED.expires)",
    [HAS_MARK] = "SELECT 1 FROM marks WHERE kind = $1 AND key = $2 AND expires > $3",
    [COUNT] = "INSERT INTO counters (key, win, n, expires) VALUES ($1, $2, 1, $3) ON CONFLICT (key, win)"
              " DO UPDATE SET n = counters.n + 1 RETURNING n",
    [CLEAN_MEETINGS] = "DELETE FROM meetings WHERE expires <= $1",
    [CLEAN_SESSIONS] = "DELETE FROM sceenic_sessions WHERE expires <= $1",
    [CLEAN_MARKS] = "DELETE FROM marks WHERE expires <= $1",
    [CLEAN_COUNTERS] = "DELETE FROM counters WHERE expires <= $1",
    [PING] = "SELECT 1",
};

/* One implicit transaction; the advisory lock keeps instances starting
 * together from racing on CREATE TABLE. */
static const char schema[] =
    "SELECT pg_advisory_xact_lock(7415);"
    "CREATE TABLE IF NOT EXISTS meetings (id TEXT PRIMARY KEY, expires BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sceenic_sessions (token_id TEXT PRIMARY KEY, token TEXT NOT NULL,"
    " expires BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS marks (kind TEXT NOT NULL, key TEXT NOT NULL, expires BIGINT NOT NULL,"
    " PRIMARY KEY (kind, key));"
    "CREATE TABLE IF NOT EXISTS counters (key TEXT NOT NULL, win BIGINT NOT NULL, n BIGINT NOT NULL,"
    " expires BIGINT NOT NULL, PRIMARY KEY (key, win));";

struct pg_backend {
  struct backend base;
  char *url;
  pthread_key_t key;
};

struct connection {
  PGconn *pg;
  struct retry_gate gate;
};

static void connection_free(void *p) {
  struct connection *c = p;
  if (!c) return;
  if (c->pg) PQfinish(c->pg);
  free(c);
}

/* Connects c (bounded by connect_timeout, 5 s unless the URL says
 * otherwise) and prepares every statement. 0 on success. */
static int connect_pg(struct pg_backend *b, struct connection *c, int create) {
  const char *keys[] = {"connect_timeout", "application_name", "tcp_user_timeout", "dbname", NULL};
  const char *values[] = {"5", "tessera-auth-server", "5000", b->url, NULL};
  char name[8];
  if (c->pg) PQfinish(c->pg);
  c->pg = PQconnectdbParams(keys, values, 1);
  if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) goto fail;
  if (create) {
    PGresult *r = PQexec(c->pg, schema);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) goto fail;
  }
  for (int i = 0; i < STATEMENTS; i++) {
    PGresult *r;
    int ok;
    snprintf(name, sizeof name, "s%d", i);
    r = PQprepare(c->pg, name, sql[i], 0, NULL);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) goto fail;
  }
  gate_open(&c->gate);
  return 0;
fail:
  store_set_error("postgresql: %s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
  gate_fail(&c->gate);
  if (c->pg) PQfinish(c->pg);
  c->pg = NULL;
  return -1;
}

/* The calling thread's connection, (re)connected when needed. */
static struct connection *conn(struct backend *base) {
  struct pg_backend *b = (struct pg_backend *)base;
  struct connection *c = store_thread_slot(b->key, sizeof *c);
  if (!c || c->pg) return c;
  if (gate_shut(&c->gate)) return NULL;
  return connect_pg(b, c, 0) == 0 ? c : NULL;
}

/* Runs statement `which` with text parameters; the result, or NULL with
 * store_error set. A broken connection is replaced; the statement then
 * runs once more if repeating it cannot change its answer: reads, the
 * idempotent writes, and the inserts of fresh random ids (a repeat of one
 * that had landed says "taken" and the caller draws another id). A claim
 * or a counter is not repeated: the first attempt may have landed. */
static const int repeatable[STATEMENTS] = {
    [PUT_MEETING] = 1, [GET_MEETING] = 1, [PUT_SESSION] = 1, [GET_SESSION] = 1, [SET_MARK] = 1, [HAS_MARK] = 1,
    [CLEAN_MEETINGS] = 1, [CLEAN_SESSIONS] = 1, [CLEAN_MARKS] = 1, [CLEAN_COUNTERS] = 1, [PING] = 1,
};

static PGresult *run(struct backend *base, int which, int n, const char *const *params) {
  char name[8];
  snprintf(name, sizeof name, "s%d", which);
  for (int attempt = 0; attempt < 1 + repeatable[which]; attempt++) {
    struct connection *c = conn(base);
    PGresult *r;
    ExecStatusType s;
    if (!c) return NULL;
    r = PQexecPrepared(c->pg, name, n, params, NULL, NULL, 0);
    s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return r;
    store_set_error("postgresql: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    PQclear(r);
    if (PQstatus(c->pg) == CONNECTION_OK) return NULL; /* the statement's own error */
    PQfinish(c->pg);
    c->pg = NULL;
    gate_open(&c->gate); /* reconnect at once, once */
  }
  return NULL;
}

static int affected(PGresult *r) {
  int changed;
  if (!r) return STORE_ERROR;
  changed = strcmp(PQcmdTuples(r), "0") != 0;
  PQclear(r);
  return changed ? STORE_OK : STORE_NONE;
}

static int found(PGresult *r, char *out, size_t cap) {
  int rows;
  if (!r) return STORE_ERROR;
  rows = PQntuples(r);
  if (rows > 0 && out) {
    const char *v = PQgetvalue(r, 0, 0);
    if (strlen(v) >= cap) {
      PQclear(r);
      store_set_error("postgresql: a stored value does not fit");
      return STORE_ERROR;
    }
    strcpy(out, v);
  }
  PQclear(r);
  return rows > 0 ? STORE_OK : STORE_NONE;
}

#define I64(buf, v) (snprintf(buf, sizeof buf, "%lld", (long long)(v)), (const char *)buf)

static int put_meeting(struct backend *b, const char *id, int64_t expires) {
  char e[24];
  const char *p[] = {id, I64(e, expires)};
  return affected(run(b, PUT_MEETING, 2, p));
}

static int get_meeting(struct backend *b, const char *id, int64_t now) {
  char t[24];
  const char *p[] = {id, I64(t, now)};
  return found(run(b, GET_MEETING, 2, p), NULL, 0);
}

static int put_session(struct backend *b, const char *id, const char *token, int64_t expires) {
  char e[24];
  const char *p[] = {id, token, I64(e, expires)};
  return affected(run(b, PUT_SESSION, 3, p));
}

static int get_session(struct backend *b, const char *id, int64_t now, char *out, size_t cap) {
  char t[24];
  const char *p[] = {id, I64(t, now)};
  return found(run(b, GET_SESSION, 2, p), out, cap);
}

static int claim_mark(struct backend *b, const char *kind, const char *key, int64_t expires, int64_t now) {
  char e[24], t[24];
  const char *p[] = {kind, key, I64(e, expires), I64(t, now)};
  return affected(run(b, CLAIM_MARK, 4, p));
}

static int set_mark(struct backend *b, const char *kind, const char *key, int64_t expires) {
  char e[24];
  const char *p[] = {kind, key, I64(e, expires)};
  return affected(run(b, SET_MARK, 3, p)) == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

static int has_mark(struct backend *b, const char *kind, const char *key, int64_t now) {
  char t[24];
  const char *p[] = {kind, key, I64(t, now)};
  return found(run(b, HAS_MARK, 3, p), NULL, 0);
}

static int count(struct backend *b, const char *key, int64_t window, uint32_t length, int64_t *n) {
  char w[24], e[24], v[24];
  const char *p[] = {key, I64(w, window), I64(e, window + (int64_t)length)};
  int rc = found(run(b, COUNT, 3, p), v, sizeof v);
  if (rc == STORE_OK) *n = strtoll(v, NULL, 10);
  return rc == STORE_NONE ? STORE_ERROR : rc;
}

static int cleanup(struct backend *b, int64_t now) {
  char t[24];
  const char *p[] = {I64(t, now)};
  for (int i = CLEAN_MEETINGS; i <= CLEAN_COUNTERS; i++)
    if (affected(run(b, i, 1, p)) == STORE_ERROR) return STORE_ERROR;
  return STORE_OK;
}

static int ping(struct backend *b) { return found(run(b, PING, 0, NULL), NULL, 0) == STORE_OK ? STORE_OK : STORE_ERROR; }

static void close_backend(struct backend *base) {
  struct pg_backend *b = (struct pg_backend *)base;
  connection_free(pthread_getspecific(b->key));
  pthread_setspecific(b->key, NULL);
}

static const struct backend_ops pg_ops = {
    .name = "postgresql", .put_meeting = put_meeting, .get_meeting = get_meeting, .put_session = put_session,
    .get_session = get_session, .claim_mark = claim_mark, .set_mark = set_mark, .has_mark = has_mark,
    .count = count, .cleanup = cleanup, .ping = ping, .close = close_backend,
};

struct backend *pg_open(const char *url, char *why, size_t cap) {
  struct pg_backend *b = calloc(1, sizeof *b);
  struct connection *c = calloc(1, sizeof *c);
  if (!b || !c || !(b->url = strdup(url)) || pthread_key_create(&b->key, connection_free) != 0) {
    snprintf(why, cap, "out of memory");
    return NULL;
  }
  b->base.ops = &pg_ops;
  {
    /* libpq's own message for a URL it cannot parse quotes the URL, and with
     * it any password: say only that it does not parse. */
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    PQfreemem(err);
    if (!opts) {
      snprintf(why, cap, "postgresql: the URL does not parse (postgresql://user:password@host:port/db?options)");
      pthread_key_delete(b->key);
      explicit_bzero(b->url, strlen(b->url));
      free(b->url);
      free(b);
      free(c);
      return NULL;
    }
    PQconninfoFree(opts);
  }
  if (connect_pg(b, c, 1) != 0) {
    snprintf(why, cap, "%s", c->gate.why);
    connection_free(c);
    pthread_key_delete(b->key);
    explicit_bzero(b->url, strlen(b->url)); /* it may hold a password */
    free(b->url);
    free(b);
    return NULL;
  }
  pthread_setspecific(b->key, c);
  return &b->base;
}
