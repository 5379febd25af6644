/*
 * ct: does comparing a MAC take the same time wherever it differs?
 *
 * A dudect-style check (Reparaz, Balasch, Verbauwhede, "Dude, is my code
 * constant time?", 2017), run as a benchmark, never as a timed test. For each
 * operation, every measurement picks one of two input classes at random:
 *   class 0: the correct MAC with a character near its END changed,
 *   class 1: the correct MAC with its FIRST character changed.
 * Both are refused. A comparison that stops at the first differing byte takes
 * longer on class 0. Each call is timed with the cycle counter (rdtsc after
 * lfence on x86-64, CLOCK_MONOTONIC elsewhere); Welch's t statistic between
 * the classes is computed over all samples and over samples cropped at
 * several percentiles (to shed interrupts and cache misses), and the largest
 * |t| is reported. |t| < 4.5: no evidence of a timing difference; > 10: a
 * difference, certainly.
 *
 * The control is a byte loop that returns at the first difference, timed the
 * same way on the same kind of inputs: it must show a large |t|, or the
 * measurement cannot see what it is looking for.
 *
 *   ct [SAMPLES]        default 1000000 per operation
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static inline uint64_t ticks(void) {
#if defined(__x86_64__)
  __builtin_ia32_lfence();
  return __builtin_ia32_rdtsc();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* ---- the operations ------------------------------------------------------- */

static const char SECRET[] = "ct-check-secret-0123456789abcdef0123";
static char cred[2][64];        /* the two classes of credential token */
static char token[2][512];      /* the two classes of HS256 JWT */
static size_t token_len;
static tessera_key *key;
static tessera_policy *policy;
static unsigned char mac[32], given[2][32];

static int op_credential(int c) {
  return tessera_credential_verify(SECRET, strlen(SECRET), "alice", 5, 1700000000, 3600, cred[c], 44, 1700000001);
}

static int op_jwt(int c) {
  return tessera_jwt_verify(key, token[c], token_len, policy, NULL, 0, NULL);
}

/* The control: returns at the first differing byte. */
static __attribute__((noinline)) int early_exit_compare(const volatile unsigned char *a, const volatile unsigned char *b,
                                                        size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (a[i] != b[i]) return 1;
  return 0;
}

static int op_control(int c) { return early_exit_compare(mac, given[c], sizeof mac); }

/* Changes character i of s to another one of the same alphabet position
 * class, so that both classes stay well-formed. */
static void change(char *s, size_t i) { s[i] = s[i] == 'A' ? 'B' : 'A'; }

static void setup(void) {
  size_t n = 0;
  char sig_ok[512];
  if (tessera_credential_sign(SECRET, strlen(SECRET), "alice", 5, 1700000000, 3600, cred[0], sizeof cred[0], &n) != TESSERA_OK)
    exit(2);
  strcpy(cred[1], cred[0]);
  change(cred[0], 42); /* cred[43] is '=' padding: 42 is the last MAC character */
  change(cred[1], 0);

  if (tessera_key_new_hmac(TESSERA_HS256, SECRET, strlen(SECRET), NULL, &key) != TESSERA_OK ||
      tessera_policy_new(&policy) != TESSERA_OK ||
      tessera_jwt_sign(key, "{\"sub\":\"alice\"}", 15, sig_ok, sizeof sig_ok, &token_len) != TESSERA_OK)
    exit(2);
  strcpy(token[0], sig_ok);
  strcpy(token[1], sig_ok);
  change(token[0], token_len - 2); /* the last character carries padding bits: change the one before */
  change(token[1], strrchr(sig_ok, '.') - sig_ok + 1);

  if (getrandom(mac, sizeof mac, 0) != (ssize_t)sizeof mac) exit(2);
  memcpy(given[0], mac, sizeof mac);
  memcpy(given[1], mac, sizeof mac);
  given[0][31] ^= 1;
  given[1][0] ^= 1;
}

/* ---- Welch's t-test --------------------------------------------------------- */

struct welch {
  double n[2], mean[2], m2[2];
};

static void push(struct welch *w, int c, double x) {
  double d;
  w->n[c] += 1;
  d = x - w->mean[c];
  w->mean[c] += d / w->n[c];
  w->m2[c] += d * (x - w->mean[c]);
}

static double t_of(const struct welch *w) {
  double v0, v1;
  if (w->n[0] < 2 || w->n[1] < 2) return 0;
  v0 = w->m2[0] / (w->n[0] - 1);
  v1 = w->m2[1] / (w->n[1] - 1);
  if (v0 + v1 == 0) return 0;
  return (w->mean[0] - w->mean[1]) / sqrt(v0 / w->n[0] + v1 / w->n[1]);
}

static int by_value(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Measures `op` `samples` times in random class order; prints a row. Returns
 * the largest |t|. */
static double measure(const char *name, int (*op)(int), size_t samples, int expect_refusal) {
  static const double crops[] = {0.50, 0.75, 0.90, 0.95, 0.99, 1.0};
  uint64_t *t = malloc(samples * sizeof *t), *sorted = malloc(samples * sizeof *t);
  unsigned char *cls = malloc(samples);
  double worst = 0, mean[2] = {0, 0};
  size_t i, k;
  if (!t || !sorted || !cls || getrandom(cls, samples, 0) != (ssize_t)samples) exit(2);
  for (i = 0; i < 10000; i++) (void)op((int)(i & 1)); /* warm up caches and branch predictors */
  for (i = 0; i < samples; i++) {
    int c = cls[i] & 1, rc;
    uint64_t a = ticks();
    rc = op(c);
    t[i] = ticks() - a;
    if (expect_refusal && rc == TESSERA_OK) {
      fprintf(stderr, "%s: a changed MAC was accepted\n", name);
      exit(1);
    }
  }
  memcpy(sorted, t, samples * sizeof *t);
  qsort(sorted, samples, sizeof *sorted, by_value);
  for (k = 0; k < sizeof crops / sizeof *crops; k++) {
    uint64_t limit = sorted[(size_t)((double)(samples - 1) * crops[k])];
    struct welch w;
    memset(&w, 0, sizeof w);
    for (i = 0; i < samples; i++)
      if (t[i] <= limit) push(&w, cls[i] & 1, (double)t[i]);
    if (fabs(t_of(&w)) > worst) worst = fabs(t_of(&w));
    if (k == 0) {
      mean[0] = w.mean[0];
      mean[1] = w.mean[1];
    }
  }
  printf("%-34s %10zu %12.1f %12.1f %8.2f  %s\n", name, samples, mean[0], mean[1], worst,
         worst < 4.5 ? "no timing difference found" : worst > 10 ? "TIMING DIFFERENCE" : "inconclusive (4.5-10)");
  free(t);
  free(sorted);
  free(cls);
  return worst;
}

int main(int argc, char **argv) {
  size_t samples = argc > 1 && atol(argv[1]) > 100 ? (size_t)atol(argv[1]) : 1000000;
  double control;
  setup();
  printf("dudect-style check: class 0 differs at the end of the MAC, class 1 at its start\n");
  printf("%-34s %10s %12s %12s %8s  %s\n", "operation", "samples", "class0 ticks", "class1 ticks", "max |t|", "verdict");
  measure("tessera_credential_verify", op_credential, samples, 1);
  measure("tessera_jwt_verify HS256", op_jwt, samples, 1);
  control = measure("control: early-exit byte loop", op_control, samples, 0);
  printf("(class ticks: mean of the fastest 50%% of each class; |t|: the largest over crops at 50/75/90/95/99/100%%;"
         " ticks: %s)\n",
#if defined(__x86_64__)
         "rdtsc"
#else
         "ns"
#endif
  );
  if (control < 10) printf("note: the control shows no clear difference at this sample size: the measurement is too coarse to conclude\n");
  tessera_key_free(key);
  tessera_policy_free(policy);
  return 0;
}
