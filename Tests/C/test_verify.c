/*
 * Verification through the C API: policies, tessera_jwt_verify,
 * tessera_jwt_verify_keyset, tessera_jws_verify, the output contract, key
 * rotation, and tokens signed by independent implementations
 * (Tests/interop/make_tokens.py writes argv[1]/tokens.txt).
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char SECRET[] = "0123456789abcdef0123456789abcdef";
static const int64_t NOW = 1700000000;

static void test_policy_api(void) {
  tessera_policy *p = (tessera_policy *)&p;
  CHECK("policy_new", tessera_policy_new(&p) == TESSERA_OK && p != NULL);
  CHECK("allow", tessera_policy_allow_alg(p, TESSERA_HS256) == TESSERA_OK);
  CHECK("allow unknown", tessera_policy_allow_alg(p, (tessera_alg)0) == TESSERA_E_ARGUMENT);
  CHECK("allow 99", tessera_policy_allow_alg(p, (tessera_alg)99) == TESSERA_E_ARGUMENT);
  CHECK("issuer", tessera_policy_set_issuer(p, "ops@example.com") == TESSERA_OK);
  CHECK("issuer NULL", tessera_policy_set_issuer(p, NULL) == TESSERA_E_ARGUMENT);
  CHECK("issuer empty", tessera_policy_set_issuer(p, "") == TESSERA_E_ARGUMENT);
  CHECK("issuer bad UTF-8", tessera_policy_set_issuer(p, "\xff") == TESSERA_E_ARGUMENT);
  CHECK("audience", tessera_policy_set_audience(p, "apiRTC") == TESSERA_OK);
  CHECK("subject", tessera_policy_set_subject(p, "alice") == TESSERA_OK);
  CHECK("type", tessera_policy_set_type(p, "JWT") == TESSERA_OK);
  CHECK("leeway", tessera_policy_set_leeway(p, 60) == TESSERA_OK);
  CHECK("leeway max", tessera_policy_set_leeway(p, 86400) == TESSERA_OK);
  CHECK("leeway too big", tessera_policy_set_leeway(p, 86401) == TESSERA_E_ARGUMENT);
  CHECK("lifetime", tessera_policy_set_max_lifetime(p, 3600) == TESSERA_OK);
  CHECK("lifetime 0", tessera_policy_set_max_lifetime(p, 0) == TESSERA_E_ARGUMENT);
  CHECK("require", tessera_policy_require_claim(p, "jti") == TESSERA_OK);
  CHECK("require NULL", tessera_policy_require_claim(p, NULL) == TESSERA_E_ARGUMENT);
  CHECK("time", tessera_policy_set_time(p, NOW) == TESSERA_OK);
  CHECK("time negative", tessera_policy_set_time(p, -1) == TESSERA_E_ARGUMENT);
  CHECK("time: the end of 9999", tessera_policy_set_time(p, 253402300799) == TESSERA_OK);
  CHECK("time: beyond 9999", tessera_policy_set_time(p, 253402300800) == TESSERA_E_ARGUMENT);
  CHECK("time: INT64_MAX", tessera_policy_set_time(p, INT64_MAX) == TESSERA_E_ARGUMENT);
  CHECK("require exp off", tessera_policy_set_require_exp(p, 0) == TESSERA_OK);
  CHECK("require exp on", tessera_policy_set_require_exp(p, 1) == TESSERA_OK);
  CHECK("require exp on NULL", tessera_policy_set_require_exp(NULL, 0) == TESSERA_E_ARGUMENT);
  CHECK("setters on NULL", tessera_policy_set_leeway(NULL, 1) == TESSERA_E_ARGUMENT &&
                               tessera_policy_set_issuer(NULL, "x") == TESSERA_E_ARGUMENT &&
                               tessera_policy_allow_alg(NULL, TESSERA_HS256) == TESSERA_E_ARGUMENT);
  CHECK("policy_new NULL", tessera_policy_new(NULL) == TESSERA_E_ARGUMENT);
  tessera_policy_free(p);
  tessera_policy_free(NULL);
}

static void test_verify_api(void) {
  tessera_key *k = NULL, *other = NULL;
  tessera_policy *p = NULL;
  char token[1024], claims[512];
  size_t n = 0, cl = 99;
  const char *c = "{\"iss\":\"ops@example.com\",\"aud\":\"apiRTC\"}";
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &k) == TESSERA_OK);
  CHECK("other", tessera_key_new_hmac(TESSERA_HS256, "abcdefghijabcdefghijabcdefghij12", 32, NULL, &other) == TESSERA_OK);
  CHECK("policy", tessera_policy_new(&p) == TESSERA_OK);
  tessera_policy_set_time(p, NOW);
  tessera_policy_set_issuer(p, "ops@example.com");
  tessera_policy_set_audience(p, "apiRTC");
  tessera_policy_set_max_lifetime(p, 3600);
  CHECK("issue", tessera_jwt_issue(k, c, strlen(c), NOW, 600, TESSERA_ISSUE_JTI, token, sizeof token, &n) == TESSERA_OK);

  CHECK("verify", tessera_jwt_verify(k, token, n, p, claims, sizeof claims, &cl) == TESSERA_OK);
  CHECK("claims out", cl == strlen(claims) && strncmp(claims, "{\"iss\":\"ops@example.com\",\"aud\":\"apiRTC\",\"iat\":1700000000,", 57) == 0);
  CHECK("verdict only", tessera_jwt_verify(k, token, n, p, NULL, 0, NULL) == TESSERA_OK);
  CHECK("length only", tessera_jwt_verify(k, token, n, p, NULL, 0, &cl) == TESSERA_OK && cl > 100);
  {
    size_t need = cl;
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK("too small after success", tessera_jwt_verify(k, token, n, p, small, sizeof small, &cl) ==
                                         TESSERA_E_BUFFER_TOO_SMALL && cl == need && small[0] == '\0');
    CHECK("too small detail says valid", strstr(tessera_last_error(), "valid") != NULL);
  }
  CHECK("wrong key", tessera_jwt_verify(other, token, n, p, claims, sizeof claims, &cl) == TESSERA_E_SIGNATURE &&
                         cl == 0 && claims[0] == '\0');
  CHECK("signature detail", strstr(tessera_last_error(), "signature") != NULL);
  {
    /* A NULL policy: the system clock, and no audience expected. */
    char fresh[1024];
    size_t fn = 0;
    CHECK("fresh", tessera_jwt_issue(k, c, strlen(c), tessera_now(), 600, 0, fresh, sizeof fresh, &fn) == TESSERA_OK);
    CHECK("NULL policy: aud present, none expected", tessera_jwt_verify(k, fresh, fn, NULL, NULL, 0, NULL) == TESSERA_E_CLAIM);
    CHECK("aud detail", strstr(tessera_last_error(), "aud") != NULL);
    CHECK("NULL policy, no aud", tessera_jwt_issue(k, "{}", 2, tessera_now(), 600, 0, fresh, sizeof fresh, &fn) == TESSERA_OK &&
                                     tessera_jwt_verify(k, fresh, fn, NULL, NULL, 0, NULL) == TESSERA_OK);
    CHECK("NULL policy, expired", tessera_jwt_verify(k, token, n, NULL, NULL, 0, NULL) == TESSERA_E_EXPIRED);
  }
  CHECK("NULL key", tessera_jwt_verify(NULL, token, n, p, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL token", tessera_jwt_verify(k, NULL, n, p, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL out with cap", tessera_jwt_verify(k, token, n, p, NULL, 5, NULL) == TESSERA_E_ARGUMENT);
  CHECK("huge length", tessera_jwt_verify(k, token, (size_t)-1, p, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  CHECK("truncated", tessera_jwt_verify(k, token, n - 1, p, NULL, 0, NULL) != TESSERA_OK);
  {
    /* Later and later: expiry at exp, with the fixed clock. */
    tessera_policy *late = NULL;
    tessera_policy_new(&late);
    tessera_policy_set_audience(late, "apiRTC");
    tessera_policy_set_time(late, NOW + 599);
    CHECK("just valid", tessera_jwt_verify(k, token, n, late, NULL, 0, NULL) == TESSERA_OK);
    tessera_policy_set_time(late, NOW + 600);
    CHECK("expired", tessera_jwt_verify(k, token, n, late, NULL, 0, NULL) == TESSERA_E_EXPIRED);
    CHECK("exp detail", strstr(tessera_last_error(), "exp") != NULL);
    tessera_policy_set_leeway(late, 1);
    CHECK("leeway", tessera_jwt_verify(k, token, n, late, NULL, 0, NULL) == TESSERA_OK);
    tessera_policy_set_time(late, NOW - 2);
    CHECK("iat in future", tessera_jwt_verify(k, token, n, late, NULL, 0, NULL) == TESSERA_E_ISSUED_IN_FUTURE);
    tessera_policy_free(late);
  }
  {
    /* The JWS view: steps 1-3 only, the raw payload out. */
    char payload[512];
    size_t pl = 0;
    CHECK("jws verify", tessera_jws_verify(k, token, n, NULL, payload, sizeof payload, &pl) == TESSERA_OK && pl == strlen(payload));
    CHECK("jws wrong key", tessera_jws_verify(other, token, n, NULL, payload, sizeof payload, &pl) == TESSERA_E_SIGNATURE);
  }
  {
    /* alg none and a JWE, from C. */
    const char *none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
    const char *jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d";
    CHECK("alg none", tessera_jwt_verify(k, none, strlen(none), p, NULL, 0, NULL) == TESSERA_E_ALGORITHM);
    CHECK("JWE", tessera_jwt_verify(k, jwe, strlen(jwe), p, NULL, 0, NULL) == TESSERA_E_MALFORMED);
  }
  tessera_key_free(k);
  tessera_key_free(other);
  tessera_policy_free(p);
}

/* exp is required unless the policy opts out. */
static void test_required_exp(void) {
  tessera_key *k = NULL;
  tessera_policy *p = NULL, *optional = NULL;
  char token[512], claims[256];
  size_t n = 0, cl = 0;
  static const char no_exp[] = "{\"sub\":\"admin\"}";
  static const char with_exp[] = "{\"sub\":\"admin\",\"exp\":1700000600}";
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &k) == TESSERA_OK);
  CHECK("sign without exp", tessera_jwt_sign(k, no_exp, strlen(no_exp), token, sizeof token, &n) == TESSERA_OK);
  CHECK("NULL policy: a token without exp is refused", tessera_jwt_verify(k, token, n, NULL, NULL, 0, NULL) ==
                                                           TESSERA_E_CLAIM);
  CHECK("the detail names exp", strstr(tessera_last_error(), "exp") != NULL);
  {
    tessera_keyset *set = NULL;
    CHECK("set", tessera_keyset_new(&set) == TESSERA_OK && tessera_keyset_add(set, k) == TESSERA_OK);
    CHECK("NULL policy, key set: refused too", tessera_jwt_verify_keyset(set, token, n, NULL, NULL, 0, NULL) ==
                                                   TESSERA_E_CLAIM);
    tessera_keyset_free(set);
  }
  CHECK("policy", tessera_policy_new(&p) == TESSERA_OK && tessera_policy_set_time(p, NOW) == TESSERA_OK);
  CHECK("a fresh policy refuses it", tessera_jwt_verify(k, token, n, p, claims, sizeof claims, &cl) == TESSERA_E_CLAIM &&
                                         cl == 0 && claims[0] == '\0');
  CHECK("optional", tessera_policy_new(&optional) == TESSERA_OK && tessera_policy_set_time(optional, NOW) == TESSERA_OK &&
                        tessera_policy_set_require_exp(optional, 0) == TESSERA_OK);
  CHECK("set_require_exp(p, 0) accepts it",
        tessera_jwt_verify(k, token, n, optional, claims, sizeof claims, &cl) == TESSERA_OK && strcmp(claims, no_exp) == 0);
  CHECK("set_require_exp(p, 1) requires it again",
        tessera_policy_set_require_exp(optional, 1) == TESSERA_OK &&
            tessera_jwt_verify(k, token, n, optional, NULL, 0, NULL) == TESSERA_E_CLAIM);
  CHECK("sign with exp", tessera_jwt_sign(k, with_exp, strlen(with_exp), token, sizeof token, &n) == TESSERA_OK);
  CHECK("a token with exp verifies", tessera_jwt_verify(k, token, n, p, NULL, 0, NULL) == TESSERA_OK);
  tessera_policy_free(optional);
  tessera_policy_free(p);
  tessera_key_free(k);
}

/* Times at the edges of their ranges never trap (a fixed time near
 * INT64_MAX plus a leeway once overflowed "now + leeway"). */
static void test_extreme_times(void) {
  tessera_key *k = NULL;
  tessera_policy *p = NULL;
  char token[512];
  size_t n = 0;
  static const char nbf_only[] = "{\"nbf\":253402300799,\"iat\":253402300799}";
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &k) == TESSERA_OK);
  CHECK("policy", tessera_policy_new(&p) == TESSERA_OK && tessera_policy_set_leeway(p, 86400) == TESSERA_OK &&
                      tessera_policy_set_require_exp(p, 0) == TESSERA_OK);
  CHECK("INT64_MAX is refused as a fixed time", tessera_policy_set_time(p, INT64_MAX) == TESSERA_E_ARGUMENT);
  CHECK("INT64_MAX - 86400 too", tessera_policy_set_time(p, INT64_MAX - 86400) == TESSERA_E_ARGUMENT);
  CHECK("the last second of 9999", tessera_policy_set_time(p, 253402300799) == TESSERA_OK);
  CHECK("sign", tessera_jwt_sign(k, nbf_only, strlen(nbf_only), token, sizeof token, &n) == TESSERA_OK);
  CHECK("nbf and iat at the end of 9999, now there, a day of leeway", tessera_jwt_verify(k, token, n, p, NULL, 0, NULL) ==
                                                                        TESSERA_OK);
  CHECK("time 0", tessera_policy_set_time(p, 0) == TESSERA_OK);
  CHECK("nbf in the far future at time 0", tessera_jwt_verify(k, token, n, p, NULL, 0, NULL) == TESSERA_E_NOT_YET_VALID);
  tessera_policy_free(p);
  tessera_key_free(k);
}

static void test_keyset_rotation(void) {
  tessera_keyset *set = NULL;
  tessera_key *old = NULL, *cur = NULL;
  char t_old[1024], t_new[1024];
  size_t n_old = 0, n_new = 0;
  tessera_policy *p = NULL;
  tessera_policy_new(&p);
  tessera_policy_set_time(p, NOW);
  CHECK("old", tessera_key_generate(TESSERA_ES256, "2023-q4", &old) == TESSERA_OK);
  CHECK("new", tessera_key_generate(TESSERA_ES256, "2024-q1", &cur) == TESSERA_OK);
  CHECK("set", tessera_keyset_new(&set) == TESSERA_OK);
  tessera_keyset_add(set, old);
  tessera_keyset_add(set, cur);
  CHECK("sign old", tessera_jwt_issue(old, "{}", 2, NOW, 600, 0, t_old, sizeof t_old, &n_old) == TESSERA_OK);
  CHECK("sign new", tessera_jwt_issue(cur, "{}", 2, NOW, 600, 0, t_new, sizeof t_new, &n_new) == TESSERA_OK);
  tessera_key_free(old);
  tessera_key_free(cur);
  CHECK("old verifies", tessera_jwt_verify_keyset(set, t_old, n_old, p, NULL, 0, NULL) == TESSERA_OK);
  CHECK("new verifies", tessera_jwt_verify_keyset(set, t_new, n_new, p, NULL, 0, NULL) == TESSERA_OK);
  CHECK("remove old", tessera_keyset_remove(set, "2023-q4") == TESSERA_OK && tessera_keyset_size(set) == 1);
  CHECK("old refused", tessera_jwt_verify_keyset(set, t_old, n_old, p, NULL, 0, NULL) == TESSERA_E_KEY_NOT_FOUND);
  CHECK("new still verifies", tessera_jwt_verify_keyset(set, t_new, n_new, p, NULL, 0, NULL) == TESSERA_OK);
  CHECK("remove again", tessera_keyset_remove(set, "2023-q4") == TESSERA_E_KEY_NOT_FOUND);
  CHECK("remove NULL", tessera_keyset_remove(set, NULL) == TESSERA_E_ARGUMENT);
  CHECK("verify NULL set", tessera_jwt_verify_keyset(NULL, t_new, n_new, p, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  tessera_keyset_free(set);
  tessera_policy_free(p);
}

/* Eight threads verify with one key, one set and one policy at once. */
struct shared {
  const tessera_key *key;
  const tessera_policy *policy;
  const char *token;
  size_t len;
  int failures;
};

static void *verify_loop(void *arg) {
  struct shared *s = arg;
  char claims[512];
  size_t n;
  int i;
  for (i = 0; i < 5000; i++) {
    if (tessera_jwt_verify(s->key, s->token, s->len, s->policy, claims, sizeof claims, &n) != TESSERA_OK) s->failures++;
  }
  return NULL;
}

static void test_threads(void) {
  tessera_key *k = NULL;
  tessera_policy *p = NULL;
  char token[512];
  size_t n = 0;
  pthread_t t[8];
  struct shared s[8];
  int i, failures = 0;
  tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &k);
  tessera_policy_new(&p);
  tessera_policy_set_time(p, NOW);
  tessera_jwt_issue(k, "{\"sub\":\"x\"}", 11, NOW, 60, 0, token, sizeof token, &n);
  for (i = 0; i < 8; i++) {
    s[i].key = k;
    s[i].policy = p;
    s[i].token = token;
    s[i].len = n;
    s[i].failures = 0;
    pthread_create(&t[i], NULL, verify_loop, &s[i]);
  }
  for (i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    failures += s[i].failures;
  }
  CHECK("eight threads share a key and a policy", failures == 0);
  tessera_key_free(k);
  tessera_policy_free(p);
}

static int status_named(const char *name) {
  if (strcmp(name, "OK") == 0) return TESSERA_OK;
  if (strcmp(name, "SIGNATURE") == 0) return TESSERA_E_SIGNATURE;
  if (strcmp(name, "EXPIRED") == 0) return TESSERA_E_EXPIRED;
  if (strcmp(name, "CLAIM") == 0) return TESSERA_E_CLAIM;
  return 1;
}

/* Tokens from joserfc and pyca/cryptography. */
static void test_interop(const char *dir) {
  char path[1024], line[8192];
  FILE *f;
  long long now = 0;
  int tokens = 0, by_alg[TESSERA_EDDSA + 1] = {0};
  tessera_policy *p = NULL;
  snprintf(path, sizeof path, "%s/tokens.txt", dir);
  f = fopen(path, "r");
  CHECK("interop tokens file", f != NULL);
  if (!f) return;
  tessera_policy_new(&p);
  tessera_policy_set_issuer(p, "python");
  while (fgets(line, sizeof line, f)) {
    char alg_name[16], keyfile[256], expected[32];
    static char token[8192];
    tessera_alg alg;
    tessera_key *key = NULL;
    size_t len = 0;
    char *material;
    int rc;
    if (sscanf(line, "NOW %lld", &now) == 1) {
      tessera_policy_set_time(p, (int64_t)now);
      continue;
    }
    if (sscanf(line, "%15s %255s %8191s %31s", alg_name, keyfile, token, expected) != 4) continue;
    if (tessera_alg_from_name(alg_name, &alg) != TESSERA_OK) {
      CHECK("interop alg name", 0);
      continue;
    }
    material = read_file(dir, keyfile, &len);
    if (!material) {
      CHECK("interop key file", 0);
      continue;
    }
    rc = alg <= TESSERA_HS512 ? tessera_key_new_hmac(alg, material, len, NULL, &key)
                              : tessera_key_new_pem(alg, material, len, NULL, &key);
    free(material);
    CHECK("interop key loads", rc == TESSERA_OK);
    rc = tessera_jwt_verify(key, token, strlen(token), p, NULL, 0, NULL);
    if (rc != status_named(expected)) {
      printf("FAIL interop %s expected %s got %d (%s)\n", alg_name, expected, rc, tessera_last_error());
      failed++;
    } else {
      passed++;
      if (rc == TESSERA_OK) by_alg[alg]++;
    }
    tessera_key_free(key);
    tokens++;
  }
  fclose(f);
  tessera_policy_free(p);
  CHECK("interop token count", tokens >= 65);
  {
    int a, every = 1;
    for (a = TESSERA_HS256; a <= TESSERA_EDDSA; a++) every &= by_alg[a] >= 1;
    CHECK("a token from every algorithm verified", every);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s INTEROP_DIR\n", argv[0]);
    return 2;
  }
  test_policy_api();
  test_verify_api();
  test_required_exp();
  test_extreme_times();
  test_keyset_rotation();
  test_threads();
  test_interop(argv[1]);
  return REPORT("test_verify");
}
