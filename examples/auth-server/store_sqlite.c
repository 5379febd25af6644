/*
 * store_sqlite.c: the embedded backend. One database file in WAL mode; each
 * thread opens its own connection on first use and keeps its prepared
 * statements for its life, so threads never share a connection and no
 * global mutex orders them: SQLite's own locking (with a busy handler)
 * serialises the writers, and WAL lets readers run beside them.
 */
#define _GNU_SOURCE
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

enum {
  PUT_MEETING, GET_MEETING, PUT_SESSION, GET_SESSION, CLAIM_MARK, SET_MARK, HAS_MARK, COUNT,
  CLEAN_MEETINGS, CLEAN_SESSIONS, CLEAN_MARKS, CLEAN_COUNTERS, PING, STATEMENTS
};

static const char *const sql[STATEMENTS] = {
    [PUT_MEETING] = "INSERT INTO meetings (id, expires) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
    [GET_MEETING] = "SELECT 1 FROM meetings WHERE id = ?1 AND expires > ?2",
    [PUT_SESSION] = "INSERT INTO sceenic_sessions (token_id, token, expires) VALUES (?1, ?2, ?3)"
                    " ON CONFLICT (token_id) DO NOTHING",
    [GET_SESSION] = "SELECT token FROM sceenic_sessions WHERE token_id = ?1 AND expires > ?2",
    /* Placed, or taken over from an expired mark: one row changed. */
    [CLAIM_MARK] = "INSERT INTO marks (kind, key, expires) VALUES (?1, ?2, ?3) ON CONFLICT (kind, key)"
                   " DO UPDATE SET expires = excluded.expires WHERE marks.expires <= ?4",
    [SET_MARK] = "INSERT INTO marks (kind, key, expires) VALUES (?1, ?2, ?3) ON CONFLICT (kind, key)"
                 " DO UPDATE SET expires = max(marks.expires, excluded.expires)",
    [HAS_MARK] = "SELECT 1 FROM marks WHERE kind = ?1 AND key = ?2 AND expires > ?3",
    [COUNT] = "INSERT INTO counters (key, win, n, expires) VALUES (?1, ?2, 1, ?3) ON CONFLICT (key, win)"
              " DO UPDATE SET n = counters.n + 1 RETURNING n",
    [CLEAN_MEETINGS] = "DELETE FROM meetings WHERE expires <= ?1",
    [CLEAN_SESSIONS] = "DELETE FROM sceenic_sessions WHERE expires <= ?1",
    [CLEAN_MARKS] = "DELETE FROM marks WHERE expires <= ?1",
    [CLEAN_COUNTERS] = "DELETE FROM counters WHERE expires <= ?1",
    [PING] = "SELECT 1",
};

/* 0.1 kept (id, created) and (token_id, token, created): such a file gains an
 * expiry (a week for meetings, a day, the token's lifetime, for sessions). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meetings (id TEXT PRIMARY KEY, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sceenic_sessions (token_id TEXT PRIMARY KEY, token TEXT NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS marks (kind TEXT NOT NULL, key TEXT NOT NULL, expires INTEGER NOT NULL,"
    " PRIMARY KEY (kind, key));"
    "CREATE TABLE IF NOT EXISTS counters (key TEXT NOT NULL, win INTEGER NOT NULL, n INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, PRIMARY KEY (key, win));";

struct sqlite_backend {
  struct backend base;
  char *path;
  pthread_key_t key;
};

struct connection {
  sqlite3 *db;
  sqlite3_stmt *st[STATEMENTS];
  int64_t busy_since; /* ms, when the current wait for the write lock began */
};

/* Waiting for another connection's write: short sleeps (50 us, growing to
 * 1 ms) rather than SQLite's default handler, whose sleeps grow to 100 ms
 * and dominate the tail latency of concurrent writers; given up after
 * BUSY_TIMEOUT_MS. */
static int busy_wait(void *arg, int count) {
  struct connection *c = arg;
  int64_t now = store_clock_ms();
  if (count == 0) c->busy_since = now;
  if (now - c->busy_since >= BUSY_TIMEOUT_MS) return 0;
  usleep(count < 20 ? 50 : count < 200 ? 200 : 1000);
  return 1;
}

static void connection_free(void *p) {
  struct connection *c = p;
  if (!c) return;
  for (int i = 0; i < STATEMENTS; i++) sqlite3_finalize(c->st[i]);
  sqlite3_close(c->db);
  free(c);
}

static int has_column(sqlite3 *db, const char *table, const char *column) {
  char q[128];
  sqlite3_stmt *st;
  int found = 0;
  snprintf(q, sizeof q, "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", table, column);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) return 0;
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

static struct connection *connection_open(struct sqlite_backend *b, int create) {
  struct connection *c = calloc(1, sizeof *c);
  char *err = NULL;
  if (!c) {
    store_set_error("out of memory");
    return NULL;
  }
  if (sqlite3_open_v2(b->path, &c->db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    store_set_error("sqlite: cannot open %s: %s", b->path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
    connection_free(c);
    return NULL;
  }
  sqlite3_busy_handler(c->db, busy_wait, c);
  if (create) {
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(c->db, schema, NULL, NULL, &err) != SQLITE_OK) {
      store_set_error("sqlite: %s: %s", b->path, err ? err : "cannot create the tables");
      sqlite3_free(err);
      connection_free(c);
      return NULL;
    }
    for (int t = 0; t < 2; t++) {
      static const char *const tables[2] = {"meetings", "sceenic_sessions"};
      static const char *const migrate[2] = {
          "ALTER TABLE meetings ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;"
          "UPDATE meetings SET expires = created + 604800;",
          "ALTER TABLE sceenic_sessions ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;"
          "UPDATE sceenic_sessions SET expires = created + 86400;"};
      if (!has_column(c->db, tables[t], "expires") && sqlite3_exec(c->db, migrate[t], NULL, NULL, &err) != SQLITE_OK) {
        store_set_error("sqlite: %s: migrating %s: %s", b->path, tables[t], err ? err : "error");
        sqlite3_free(err);
        connection_free(c);
        return NULL;
      }
    }
  }
  for (int i = 0; i < STATEMENTS; i++)
    if (sqlite3_prepare_v3(c->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) != SQLITE_OK) {
      store_set_error("sqlite: preparing a statement: %s", sqlite3_errmsg(c->db));
      connection_free(c);
      return NULL;
    }
  return c;
}

/* The calling thread's connection, opened on its first call. */
static struct connection *conn(struct backend *base) {
  struct sqlite_backend *b = (struct sqlite_backend *)base;
  struct connection *c = pthread_getspecific(b->key);
  if (c) return c;
  c = connection_open(b, 0);
  if (c && pthread_setspecific(b->key, c) != 0) {
    connection_free(c);
    store_set_error("sqlite: no thread-local slot");
    return NULL;
  }
  return c;
}

/* Binds text and integers in order: "t" a const char *, "i" an int64_t. */
static sqlite3_stmt *bind(struct backend *base, int which, const char *types, ...) {
  struct connection *c = conn(base);
  sqlite3_stmt *st;
  va_list ap;
  if (!c) return NULL;
  st = c->st[which];
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  va_start(ap, types);
  for (int i = 0; types[i]; i++) {
    if (types[i] == 't') sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
  }
  va_end(ap);
  return st;
}

static int fail(sqlite3_stmt *st) {
  store_set_error("sqlite: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
  sqlite3_reset(st);
  return STORE_ERROR;
}

/* A write: STORE_OK when it changed a row, STORE_NONE when it did not. */
static int write_row(sqlite3_stmt *st) {
  int changed;
  if (!st) return STORE_ERROR;
  if (sqlite3_step(st) != SQLITE_DONE) return fail(st);
  changed = sqlite3_changes(sqlite3_db_handle(st)) > 0;
  sqlite3_reset(st);
  return changed ? STORE_OK : STORE_NONE;
}

/* A lookup: STORE_OK when a row came back (its first column copied to out). */
static int read_row(sqlite3_stmt *st, char *out, size_t cap) {
  int rc;
  if (!st) return STORE_ERROR;
  rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return STORE_NONE;
  }
  if (rc != SQLITE_ROW) return fail(st);
  if (out) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    if (!v || strlen(v) >= cap) {
      sqlite3_reset(st);
      store_set_error("sqlite: a stored value does not fit");
      return STORE_ERROR;
    }
    strcpy(out, v);
  }
  sqlite3_reset(st);
  return STORE_OK;
}

static int put_meeting(struct backend *b, const char *id, int64_t expires) {
  return write_row(bind(b, PUT_MEETING, "ti", id, expires));
}

static int get_meeting(struct backend *b, const char *id, int64_t now) {
  return read_row(bind(b, GET_MEETING, "ti", id, now), NULL, 0);
}

static int put_session(struct backend *b, const char *id, const char *token, int64_t expires) {
  return write_row(bind(b, PUT_SESSION, "tti", id, token, expires));
}

static int get_session(struct backend *b, const char *id, int64_t now, char *out, size_t cap) {
  return read_row(bind(b, GET_SESSION, "ti", id, now), out, cap);
}

static int claim_mark(struct backend *b, const char *kind, const char *key, int64_t expires, int64_t now) {
  return write_row(bind(b, CLAIM_MARK, "ttii", kind, key, expires, now));
}

static int set_mark(struct backend *b, const char *kind, const char *key, int64_t expires) {
  int rc = write_row(bind(b, SET_MARK, "tti", kind, key, expires));
  return rc == STORE_ERROR ? rc : STORE_OK;
}

static int has_mark(struct backend *b, const char *kind, const char *key, int64_t now) {
  return read_row(bind(b, HAS_MARK, "tti", kind, key, now), NULL, 0);
}

static int count(struct backend *b, const char *key, int64_t window, uint32_t length, int64_t *n) {
  sqlite3_stmt *st = bind(b, COUNT, "tii", key, window, window + (int64_t)length);
  if (!st) return STORE_ERROR;
  if (sqlite3_step(st) != SQLITE_ROW) return fail(st);
  *n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return STORE_OK;
}

static int cleanup(struct backend *b, int64_t now) {
  for (int i = CLEAN_MEETINGS; i <= CLEAN_COUNTERS; i++)
    if (write_row(bind(b, i, "i", now)) == STORE_ERROR) return STORE_ERROR;
  return STORE_OK;
}

static int ping(struct backend *b) {
  int rc = read_row(bind(b, PING, ""), NULL, 0);
  return rc == STORE_ERROR ? rc : STORE_OK;
}

static void close_backend(struct backend *base) {
  struct sqlite_backend *b = (struct sqlite_backend *)base;
  connection_free(pthread_getspecific(b->key));
  pthread_setspecific(b->key, NULL);
  /* Other threads' connections close with their threads (the key's
   * destructor); the process is ending. */
}

static const struct backend_ops sqlite_ops = {
    .name = "sqlite", .put_meeting = put_meeting, .get_meeting = get_meeting, .put_session = put_session,
    .get_session = get_session, .claim_mark = claim_mark, .set_mark = set_mark, .has_mark = has_mark,
    .count = count, .cleanup = cleanup, .ping = ping, .close = close_backend,
};

struct backend *sqlite_open(const char *path, char *why, size_t cap) {
  struct sqlite_backend *b = calloc(1, sizeof *b);
  struct connection *first;
  if (!b || !(b->path = strdup(path)) || pthread_key_create(&b->key, connection_free) != 0) {
    snprintf(why, cap, "out of memory");
    return NULL;
  }
  b->base.ops = &sqlite_ops;
  if (!*path || !(first = connection_open(b, 1))) {
    snprintf(why, cap, "%s", *path ? store_error() : "sqlite: the store needs a path (sqlite:PATH)");
    pthread_key_delete(b->key);
    free(b->path);
    free(b);
    return NULL;
  }
  pthread_setspecific(b->key, first);
  return &b->base;
}
