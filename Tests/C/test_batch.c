/*
 * tessera_jwt_sign_batch and the threads it starts: counted by replacing
 * pthread_create for the whole process (each start is forwarded to the real
 * one, wrapped to track how many run at once). The library may start no
 * more threads than the CPUs the caller may use minus one, none at all
 * with one CPU in the affinity mask, and no more than that process-wide
 * however many callers batch at once. Each item gets its status in one
 * pass, and the lowest failing index comes back with its detail.
 *
 * Runs only uninstrumented (ThreadSanitizer replaces pthread_create).
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Counters shared by the threads, through GCC's __atomic builtins (the
 * tests are C99). */
static int started, live, max_live, counting;
/* Set while the main thread starts the test's own caller threads. */
static int own_threads;
static pthread_t main_thread;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST)

struct trampoline {
  void *(*start)(void *);
  void *arg;
};

static void *run(void *p) {
  struct trampoline t = *(struct trampoline *)p;
  void *result;
  int now, seen;
  free(p);
  now = ADD(live, 1);
  seen = LOAD(max_live);
  while (now > seen && !__atomic_compare_exchange_n(&max_live, &seen, now, 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
  }
  result = t.start(t.arg);
  ADD(live, -1);
  return result;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  static create_fn real;
  struct trampoline *t;
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
  if (!LOAD(counting) || (own_threads && pthread_equal(pthread_self(), main_thread)))
    return real(thread, attr, start, arg);
  t = malloc(sizeof *t);
  if (!t) return 11; /* EAGAIN */
  t->start = start;
  t->arg = arg;
  ADD(started, 1);
  return real(thread, attr, run, t);
}

static const char SECRET[] = "0123456789abcdef0123456789abcdef";
#define ITEMS 4096
#define STRIDE 256

struct batch {
  const tessera_key *key;
  size_t count;
  const char **claims;
  size_t *lens;
  char *out;
  size_t *out_lens;
  int *statuses;
  int rc;
};

static struct batch *batch_new(const tessera_key *key, size_t count) {
  static const char good[] = "{\"sub\":\"alice\",\"room\":\"r1\"}";
  struct batch *b = calloc(1, sizeof *b);
  size_t i;
  if (!b) return NULL;
  b->key = key;
  b->count = count;
  b->claims = calloc(count, sizeof *b->claims);
  b->lens = calloc(count, sizeof *b->lens);
  b->out = calloc(count, STRIDE);
  b->out_lens = calloc(count, sizeof *b->out_lens);
  b->statuses = calloc(count, sizeof *b->statuses);
  if (!b->claims || !b->lens || !b->out || !b->out_lens || !b->statuses) exit(2);
  for (i = 0; i < count; i++) {
    b->claims[i] = good;
    b->lens[i] = strlen(good);
  }
  return b;
}

static void batch_free(struct batch *b) {
  free(b->claims);
  free(b->lens);
  free(b->out);
  free(b->out_lens);
  free(b->statuses);
  free(b);
}

static void *sign(void *p) {
  struct batch *b = p;
  b->rc = tessera_jwt_sign_batch(b->key, b->count, b->claims, b->lens, b->out, STRIDE, b->out_lens, b->statuses);
  return NULL;
}

static int usable_cpus(void) {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

int main(void) {
  tessera_key *key = NULL;
  struct batch *b;
  int cpus = usable_cpus(), i, ok;
  cpu_set_t all, one;

  main_thread = pthread_self();
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &key) == TESSERA_OK);
  if (!key) return REPORT("test_batch");
  printf("NOTE %d CPUs in the affinity mask\n", cpus);

  /* One caller: at most the usable CPUs minus one started threads. */
  b = batch_new(key, ITEMS);
  STORE(counting, 1);
  sign(b);
  STORE(counting, 0);
  CHECK("a batch signs every item", b->rc == TESSERA_OK);
  for (ok = 1, i = 0; i < ITEMS; i++) ok &= b->statuses[i] == TESSERA_OK && b->out_lens[i] > 0;
  CHECK("every item's status and length", ok);
  CHECK("threads started <= usable CPUs - 1", LOAD(started) <= cpus - 1);
  printf("NOTE one caller, %d CPUs: %d threads started\n", cpus, LOAD(started));

  /* One CPU in the affinity mask: no thread at all. */
  sched_getaffinity(0, sizeof all, &all);
  CPU_ZERO(&one);
  for (i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET(i, &all)) {
      CPU_SET(i, &one);
      break;
    }
  CHECK("pin to one CPU", sched_setaffinity(0, sizeof one, &one) == 0);
  STORE(started, 0);
  STORE(counting, 1);
  sign(b);
  STORE(counting, 0);
  CHECK("one CPU: the batch still signs everything", b->rc == TESSERA_OK);
  CHECK("one CPU: no thread started", LOAD(started) == 0);
  CHECK("unpin", sched_setaffinity(0, sizeof all, &all) == 0);

  /* Failures: every item gets its status, and the lowest failing index is
   * reported even when a higher one failed first in time: with two threads
   * the ranges are [0, 2048) and [2048, 4096), so item 2049 fails almost at
   * once on the started thread and item 2000 near the end on the caller's. */
  b->claims[2000] = "{\"a\":";
  b->lens[2000] = 5;
  b->claims[2049] = "[1]";
  b->lens[2049] = 3;
  sign(b);
  CHECK("the lowest failure's status", b->rc == TESSERA_E_MALFORMED);
  CHECK("its detail names the lowest index", strncmp(tessera_last_error(), "claims[2000]: ", 14) == 0);
  for (ok = 1, i = 0; i < ITEMS; i++)
    ok &= (i == 2000 || i == 2049) ? b->statuses[i] == TESSERA_E_MALFORMED && b->out_lens[i] == 0
                                   : b->statuses[i] == TESSERA_OK;
  CHECK("each item has its own status", ok);
  batch_free(b);

  /* Four callers at once: the process-wide budget holds. */
  {
    pthread_t callers[4];
    struct batch *bs[4];
    int c;
    STORE(started, 0);
    STORE(max_live, 0);
    for (c = 0; c < 4; c++) bs[c] = batch_new(key, ITEMS);
    STORE(counting, 1);
    for (i = 0; i < 5; i++) {
      own_threads = 1;
      for (c = 0; c < 4; c++) pthread_create(&callers[c], NULL, sign, bs[c]);
      own_threads = 0;
      for (c = 0; c < 4; c++) pthread_join(callers[c], NULL);
    }
    STORE(counting, 0);
    for (ok = 1, c = 0; c < 4; c++) ok &= bs[c]->rc == TESSERA_OK;
    CHECK("four callers: every batch signed", ok);
    CHECK("four callers: started threads running at once <= usable CPUs - 1", LOAD(max_live) <= cpus - 1);
    printf("NOTE four callers, %d CPUs: %d threads started, at most %d at once\n", cpus, LOAD(started),
           LOAD(max_live));
    for (c = 0; c < 4; c++) batch_free(bs[c]);
  }
  tessera_key_free(key);
  return REPORT("test_batch");
}
