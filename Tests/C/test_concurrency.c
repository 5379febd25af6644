/*
 * Concurrency stress and object churn through the C API, for make test, and
 * for ThreadSanitizer (make sanitize) and valgrind (make check-memory):
 *
 *  - 8 threads share keys of four algorithms (HS256, RS256, ES256, EdDSA), a
 *    key set holding them, one policy and one signer template, and sign,
 *    verify (by key and by key set), refuse tampered tokens and mint and
 *    check credentials at once; each thread's error details stay its own;
 *  - while threads verify through a second key set, the main thread frees
 *    the keys that set holds (the set keeps them alive);
 *  - churn: keys, key sets (built, added to, removed from, exported,
 *    re-parsed), policies and signers made and freed in a loop, with failing
 *    calls among them.
 *
 *   test_concurrency [ROUNDS]     (ROUNDS per thread, default 40)
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define THREADS 8
#define NKEYS 4

static const char SECRET[] = "concurrency-secret-0123456789abcdef";
static const char SECRET48[] = "concurrency-secret-0123456789abcdef-0123456789ab";
static const char CLAIMS[] = "{\"sub\":\"alice\",\"iss\":\"https://issuer.test\",\"aud\":\"rtc\"}";
static const char PLAIN_CLAIMS[] = "{\"sub\":\"bob\",\"exp\":4102444800}";
static const tessera_alg ALGS[NKEYS] = {TESSERA_HS256, TESSERA_RS256, TESSERA_ES256, TESSERA_EDDSA};

static struct {
  tessera_key *keys[NKEYS];
  tessera_keyset *set;
  tessera_policy *policy;
  tessera_signer *signer;
  char tokens[NKEYS][2048];   /* one token per key, made before the threads start */
  char expected[NKEYS][2048]; /* CLAIMS signed by deterministic keys (HS, RS, EdDSA) */
  tessera_keyset *doomed_set; /* its keys are freed while threads use it */
  char doomed_tokens[2][2048];
  int rounds;
} shared;

struct worker {
  int id;
  long failures;
  char why[256];
};

static void note(struct worker *w, const char *what) {
  if (!w->failures++) snprintf(w->why, sizeof w->why, "%s [detail: %s]", what, tessera_last_error());
}

static void *work(void *arg) {
  struct worker *w = arg;
  char token[2048], claims[1024], tampered[2048], cred[64];
  size_t n = 0;
  int round, k;
  for (round = 0; round < shared.rounds; round++) {
    for (k = 0; k < NKEYS; k++) {
      if (tessera_jwt_sign(shared.keys[k], CLAIMS, strlen(CLAIMS), token, sizeof token, &n) != TESSERA_OK) {
        note(w, "sign");
        continue;
      }
      if (ALGS[k] != TESSERA_ES256 && strcmp(token, shared.expected[k]) != 0) note(w, "deterministic token differs");
      if (tessera_jwt_verify(shared.keys[k], token, n, shared.policy, claims, sizeof claims, &n) != TESSERA_OK ||
          strcmp(claims, CLAIMS) != 0)
        note(w, "verify own token by key");
      if (tessera_jwt_verify_keyset(shared.set, shared.tokens[k], strlen(shared.tokens[k]), shared.policy, NULL, 0, NULL) !=
          TESSERA_OK)
        note(w, "verify shared token by key set");
      /* A tampered token: this thread's detail, whatever the others do. */
      strcpy(tampered, shared.tokens[k]);
      tampered[strlen(tampered) - 2] ^= 0x01;
      if (tessera_jwt_verify_keyset(shared.set, tampered, strlen(tampered), shared.policy, NULL, 0, NULL) == TESSERA_OK)
        note(w, "tampered token accepted");
      if (tessera_jwt_sign(shared.keys[k], "{\"thread\":", 10, token, sizeof token, &n) != TESSERA_E_MALFORMED ||
          strstr(tessera_last_error(), "claims") == NULL)
        note(w, "own detail after a malformed sign");
    }
    if (tessera_signer_sign(shared.signer, "{\"n\":1}", 7, tessera_now(), token, sizeof token, &n) != TESSERA_OK ||
        tessera_jwt_verify(shared.keys[0], token, n, shared.policy, NULL, 0, NULL) != TESSERA_OK)
      note(w, "template token");
    if (tessera_credential_sign(SECRET, strlen(SECRET), "peer", 4, 1700000000, 600, cred, sizeof cred, &n) != TESSERA_OK ||
        tessera_credential_verify(SECRET, strlen(SECRET), "peer", 4, 1700000000, 600, cred, n, 1700000001) != TESSERA_OK)
      note(w, "credential");
    for (k = 0; k < 2; k++)
      if (tessera_jwt_verify_keyset(shared.doomed_set, shared.doomed_tokens[k], strlen(shared.doomed_tokens[k]), NULL, NULL,
                                    0, NULL) != TESSERA_OK)
        note(w, "verify through a set whose keys the caller freed");
  }
  return NULL;
}

static void setup(void) {
  int k;
  size_t n;
  tessera_key *doomed[2] = {NULL, NULL};
  CHECK("hmac key", tessera_key_new_hmac(TESSERA_HS256, SECRET, strlen(SECRET), "hs", &shared.keys[0]) == TESSERA_OK);
  CHECK("rsa key", tessera_key_generate(TESSERA_RS256, "rs", &shared.keys[1]) == TESSERA_OK);
  CHECK("ec key", tessera_key_generate(TESSERA_ES256, "es", &shared.keys[2]) == TESSERA_OK);
  CHECK("ed key", tessera_key_generate(TESSERA_EDDSA, "ed", &shared.keys[3]) == TESSERA_OK);
  CHECK("set", tessera_keyset_new(&shared.set) == TESSERA_OK);
  for (k = 0; k < NKEYS; k++) {
    CHECK("set add", tessera_keyset_add(shared.set, shared.keys[k]) == TESSERA_OK);
    CHECK("token", tessera_jwt_issue(shared.keys[k], CLAIMS, strlen(CLAIMS), tessera_now(), 3600, TESSERA_ISSUE_JTI,
                                     shared.tokens[k], sizeof shared.tokens[k], &n) == TESSERA_OK);
    CHECK("expected", tessera_jwt_sign(shared.keys[k], CLAIMS, strlen(CLAIMS), shared.expected[k],
                                       sizeof shared.expected[k], &n) == TESSERA_OK);
  }
  CHECK("policy", tessera_policy_new(&shared.policy) == TESSERA_OK);
  for (k = 0; k < NKEYS; k++) CHECK("allow", tessera_policy_allow_alg(shared.policy, ALGS[k]) == TESSERA_OK);
  CHECK("issuer", tessera_policy_set_issuer(shared.policy, "https://issuer.test") == TESSERA_OK);
  CHECK("audience", tessera_policy_set_audience(shared.policy, "rtc") == TESSERA_OK);
  /* The expected tokens are CLAIMS signed as they are, without exp. */
  CHECK("exp optional", tessera_policy_set_require_exp(shared.policy, 0) == TESSERA_OK);
  CHECK("signer", tessera_signer_new(shared.keys[0], CLAIMS, strlen(CLAIMS), 600, 0, &shared.signer) == TESSERA_OK);

  CHECK("doomed set", tessera_keyset_new(&shared.doomed_set) == TESSERA_OK);
  CHECK("doomed hs", tessera_key_new_hmac(TESSERA_HS384, SECRET48, strlen(SECRET48), "d1", &doomed[0]) ==
                         TESSERA_OK);
  CHECK("doomed ec", tessera_key_generate(TESSERA_ES256, "d2", &doomed[1]) == TESSERA_OK);
  for (k = 0; k < 2; k++) {
    CHECK("doomed add", tessera_keyset_add(shared.doomed_set, doomed[k]) == TESSERA_OK);
    CHECK("doomed token", tessera_jwt_sign(doomed[k], PLAIN_CLAIMS, strlen(PLAIN_CLAIMS), shared.doomed_tokens[k],
                                           sizeof shared.doomed_tokens[k], &n) == TESSERA_OK);
    tessera_key_free(doomed[k]); /* the set keeps them alive */
  }
}

static void teardown(void) {
  int k;
  for (k = 0; k < NKEYS; k++) tessera_key_free(shared.keys[k]);
  tessera_keyset_free(shared.set);
  tessera_policy_free(shared.policy);
  tessera_signer_free(shared.signer);
  tessera_keyset_free(shared.doomed_set);
}

/* Threads share everything; the main thread frees the caller's handles on
 * the keys of the main set while they run: the set holds them. */
static void test_threads(void) {
  pthread_t t[THREADS];
  struct worker w[THREADS];
  int i, started = 0;
  long failures = 0;
  for (i = 0; i < THREADS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].id = i;
    if (pthread_create(&t[i], NULL, work, &w[i]) == 0) started++;
  }
  for (i = 0; i < started; i++) {
    pthread_join(t[i], NULL);
    if (w[i].failures) printf("thread %d: %ld failures, first: %s\n", i, w[i].failures, w[i].why);
    failures += w[i].failures;
  }
  CHECK("all threads started", started == THREADS);
  CHECK("threads sharing keys, a key set, a policy and a template: every result right", failures == 0);
}

/* One step of a churn round: a failure is counted and says where. */
#define STEP(cond) (ok &= (cond) ? 1 : (printf("churn step failed at line %d [%s]\n", __LINE__, tessera_last_error()), 0))

/* Objects made and freed in a loop, with failing calls among them. */
static void test_churn(int rounds) {
  int r, ok = 1;
  for (r = 0; r < rounds; r++) {
    tessera_key *hs = NULL, *ec = NULL, *pub = NULL;
    tessera_keyset *set = NULL, *parsed = NULL;
    tessera_policy *p = NULL;
    tessera_signer *s = NULL;
    char jwk[1024], jwks[4096], token[1024];
    size_t n = 0;
    STEP(tessera_key_new_hmac(TESSERA_HS256, SECRET, strlen(SECRET), NULL, &hs) == TESSERA_OK);
    STEP(tessera_key_generate(TESSERA_ES256, NULL, &ec) == TESSERA_OK);
    STEP(tessera_key_export_jwk(ec, jwk, sizeof jwk, &n) == TESSERA_OK);
    STEP(tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, jwk, n, &pub) == TESSERA_OK);
    STEP(tessera_jwt_sign(ec, PLAIN_CLAIMS, strlen(PLAIN_CLAIMS), token, sizeof token, &n) == TESSERA_OK);
    STEP(tessera_jwt_verify(pub, token, n, NULL, NULL, 0, NULL) == TESSERA_OK);
    STEP(tessera_keyset_new(&set) == TESSERA_OK);
    STEP(tessera_keyset_add(set, hs) == TESSERA_OK && tessera_keyset_add(set, pub) == TESSERA_OK);
    STEP(tessera_keyset_export_jwks(set, jwks, sizeof jwks, &n) == TESSERA_OK);
    STEP(tessera_keyset_new_jwks(jwks, n, &parsed) == TESSERA_OK && tessera_keyset_size(parsed) == 1);
    STEP(tessera_jwt_verify_keyset(parsed, token, strlen(token), NULL, NULL, 0, NULL) == TESSERA_OK);
    STEP(tessera_keyset_remove(parsed, "no-such-kid") == TESSERA_E_KEY_NOT_FOUND);
    STEP(tessera_policy_new(&p) == TESSERA_OK && tessera_policy_allow_alg(p, TESSERA_ES256) == TESSERA_OK &&
          tessera_policy_set_issuer(p, "someone") == TESSERA_OK && tessera_policy_require_claim(p, "jti") == TESSERA_OK);
    STEP(tessera_jwt_verify(pub, token, strlen(token), p, NULL, 0, NULL) == TESSERA_E_CLAIM);
    STEP(tessera_signer_new(hs, "{\"a\":1}", 7, 60, TESSERA_ISSUE_JTI, &s) == TESSERA_OK);
    STEP(tessera_signer_sign(s, NULL, 0, tessera_now(), token, sizeof token, &n) == TESSERA_OK);
    /* Failing calls allocate nothing that outlives them. */
    {
      tessera_keyset *none = NULL;
      tessera_key *bad = NULL;
      static const char bad_jwks[] = "{\"keys\":[{\"kty\":\"EC\"}]}";
      static const char pem[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
      STEP(tessera_keyset_new_jwks(bad_jwks, strlen(bad_jwks), &none) != TESSERA_OK && none == NULL);
      STEP(tessera_key_new_pem(TESSERA_RS256, pem, strlen(pem), NULL, &bad) == TESSERA_E_KEY && bad == NULL);
    }
    STEP(tessera_jwt_verify(hs, "a.b.c", 5, NULL, NULL, 0, NULL) == TESSERA_E_MALFORMED);
    STEP(tessera_keyset_remove(set, NULL) == TESSERA_E_ARGUMENT);
    tessera_signer_free(s);
    tessera_policy_free(p);
    tessera_keyset_free(parsed);
    tessera_keyset_free(set);
    tessera_key_free(pub);
    tessera_key_free(ec);
    tessera_key_free(hs);
  }
  CHECK("churn: keys, key sets, policies and signers made, used and freed", ok);
}

int main(int argc, char **argv) {
  shared.rounds = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 40;
  setup();
  test_threads();
  teardown();
  test_churn(shared.rounds * 2);
  return REPORT("test_concurrency");
}
