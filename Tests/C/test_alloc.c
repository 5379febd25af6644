/*
 * What the header promises about heap memory, counted: this program
 * replaces malloc, calloc, realloc, aligned_alloc, posix_memalign and
 * memalign for the whole process and counts the calls made while each
 * operation runs (after one warm-up call, which may set up per-thread
 * state). HS256/384/512 signing and verification, signer templates, the
 * SkyWay credential, TURN passwords and tessera_jwt_peek must make none for
 * inputs of ordinary size (JSON of a few hundred bytes is checked in stack
 * memory). RS/PS/ES/EdDSA operations run inside OpenSSL, which allocates:
 * the count is printed, not judged, as the header says.
 *
 * A control first allocates on purpose: the counter must see it.
 * Runs only uninstrumented (sanitizers and valgrind replace the allocator).
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile long counted;
static volatile int counting;

void *malloc(size_t n) {
  if (counting) counted++;
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t m) {
  if (counting) counted++;
  return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n) {
  if (counting) counted++;
  return __libc_realloc(p, n);
}
void *memalign(size_t a, size_t n) {
  if (counting) counted++;
  return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n) {
  if (counting) counted++;
  return __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n) {
  void *p;
  if (counting) counted++;
  p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

static const char SECRET64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/* A VideoSDK-like claim set (about 150 bytes), with an exp. */
static const char CLAIMS[] =
    "{\"apikey\":\"4f3c-demo\",\"permissions\":[\"allow_join\",\"allow_mod\"],\"version\":2,"
    "\"roles\":[\"CRAWLER\"],\"sub\":\"alice\",\"exp\":4102444800}";

/* Runs `op` once to warm up, then counts the allocations of a second run. */
#define ALLOCS(op) (op, counted = 0, counting = 1, op, counting = 0, counted)

static void hmac(tessera_alg alg, size_t secret_len) {
  tessera_key *key = NULL;
  tessera_signer *signer = NULL;
  tessera_policy *policy = NULL;
  char token[1024], out[1024], header[128], label[96];
  size_t n = 0, m = 0, h = 0;
  int rc = 0;
  const char *name = tessera_alg_name(alg);
  CHECK("key", tessera_key_new_hmac(alg, SECRET64, secret_len, "k1", &key) == TESSERA_OK);
  CHECK("policy", tessera_policy_new(&policy) == TESSERA_OK && tessera_policy_set_audience(policy, "rtc") == TESSERA_OK);
  CHECK("signer", tessera_signer_new(key, "{\"apikey\":\"4f3c-demo\",\"version\":2}", 34, 600, TESSERA_ISSUE_NBF, &signer) ==
                      TESSERA_OK);

  snprintf(label, sizeof label, "%s sign allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_jwt_sign(key, CLAIMS, strlen(CLAIMS), token, sizeof token, &n)) == 0 && rc == TESSERA_OK);
  snprintf(label, sizeof label, "%s verify allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_jwt_verify(key, token, n, NULL, out, sizeof out, &m)) == 0 && rc == TESSERA_OK);
  snprintf(label, sizeof label, "%s verify of a refused token allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_jwt_verify(key, token, n, policy, out, sizeof out, &m)) == 0 && rc == TESSERA_E_CLAIM);
  snprintf(label, sizeof label, "%s issue allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_jwt_issue(key, "{\"sub\":\"a\"}", 11, 1700000000, 600, 0, token, sizeof token, &n)) ==
                   0 && rc == TESSERA_OK);
  snprintf(label, sizeof label, "%s template sign allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_signer_sign(signer, "{\"sub\":\"bob\"}", 13, 1700000000, token, sizeof token, &n)) ==
                   0 && rc == TESSERA_OK);
  snprintf(label, sizeof label, "%s peek allocates nothing", name);
  CHECK(label, ALLOCS(rc = tessera_jwt_peek(token, n, header, sizeof header, &h, out, sizeof out, &m)) == 0 &&
                   rc == TESSERA_OK);
  tessera_signer_free(signer);
  tessera_policy_free(policy);
  tessera_key_free(key);
}

static void asymmetric(tessera_alg alg) {
  tessera_key *key = NULL;
  char token[4096];
  size_t n = 0;
  long s, v;
  int rc = 0;
  char label[96];
  CHECK("generate", tessera_key_generate(alg, NULL, &key) == TESSERA_OK);
  s = ALLOCS(rc = tessera_jwt_sign(key, CLAIMS, strlen(CLAIMS), token, sizeof token, &n));
  snprintf(label, sizeof label, "%s sign", tessera_alg_name(alg));
  CHECK(label, rc == TESSERA_OK);
  v = ALLOCS(rc = tessera_jwt_verify(key, token, n, NULL, NULL, 0, NULL));
  snprintf(label, sizeof label, "%s verify", tessera_alg_name(alg));
  CHECK(label, rc == TESSERA_OK);
  printf("NOTE %s inside OpenSSL: %ld allocations to sign, %ld to verify\n", tessera_alg_name(alg), s, v);
  tessera_key_free(key);
}

int main(void) {
  char out[128];
  size_t n = 0;
  int rc = 0;
  void *p;
  /* Control: the counter sees an allocation. */
  counted = 0;
  counting = 1;
  p = malloc(16);
  counting = 0;
  CHECK("the counter sees malloc", counted == 1 && p != NULL);
  free(p);

  hmac(TESSERA_HS256, 32);
  hmac(TESSERA_HS384, 48);
  hmac(TESSERA_HS512, 64);
  CHECK("credential sign allocates nothing",
        ALLOCS(rc = tessera_credential_sign(SECRET64, 32, "alice", 5, 1700000000, 600, out, sizeof out, &n)) == 0 &&
            rc == TESSERA_OK);
  CHECK("credential json allocates nothing",
        ALLOCS(rc = tessera_credential_json(SECRET64, 32, "alice", 5, 1700000000, 600, out, sizeof out, &n)) == 0 &&
            rc == TESSERA_OK);
  tessera_credential_sign(SECRET64, 32, "alice", 5, 1700000000, 600, out, sizeof out, &n);
  CHECK("credential verify allocates nothing",
        ALLOCS(rc = tessera_credential_verify(SECRET64, 32, "alice", 5, 1700000000, 600, out, n, 1700000001)) == 0 &&
            rc == TESSERA_OK);
  CHECK("TURN password allocates nothing",
        ALLOCS(rc = tessera_turn_password(SECRET64, 32, "1700000000:alice", 16, out, sizeof out, &n)) == 0 &&
            rc == TESSERA_OK);
  {
    /* The platforms' own formats: after the thread's first token (its zlib
     * streams), none; nor tessera_platform_token. The Agora and UserSig
     * verifiers allocate: printed, not judged, as the header says. */
    static const char app[] = "970CA35de60c44645bbae8a215061b33", cert[] = "5CFd2fd1755d40ecb72977518be15d3b";
    const char *plugins[] = {"janus.plugin.videoroom"};
    const char *params[] = {"api_key=APIxyz", "identity=alice", "room=r1", "roomJoin=true"};
    tessera_key *k = NULL;
    static char buf[2048];
    long a;
    tessera_agora_rtc_token(app, cert, "room", "42", 1, 600, 600, 1000, 7, buf, sizeof buf, &n); /* warm-up */
    CHECK("Agora RTC token allocates nothing (after the thread's first)",
          ALLOCS(rc = tessera_agora_rtc_token(app, cert, "room", "42", 1, 600, 600, 1000, 7, buf, sizeof buf, &n)) == 0 &&
              rc == TESSERA_OK);
    CHECK("Agora RTM token allocates nothing",
          ALLOCS(rc = tessera_agora_rtm_token(app, cert, "alice", 600, 1000, 7, buf, sizeof buf, &n)) == 0 && rc == TESSERA_OK);
    a = ALLOCS(rc = tessera_agora_token_verify(cert, buf, n, 1000, NULL, 0, NULL));
    printf("NOTE tessera_agora_token_verify: %ld allocations\n", a);
    CHECK("Agora verify", rc == TESSERA_OK);
    CHECK("UserSig allocates nothing",
          ALLOCS(rc = tessera_trtc_usersig(1400000000, SECRET64, 64, "alice", 600, 1000, buf, sizeof buf, &n)) == 0 &&
              rc == TESSERA_OK);
    a = ALLOCS(rc = tessera_trtc_usersig_verify(1400000000, SECRET64, 64, "alice", buf, n, 1000));
    printf("NOTE tessera_trtc_usersig_verify: %ld allocations\n", a);
    CHECK("UserSig verify", rc == TESSERA_OK);
    CHECK("Janus token allocates nothing",
          ALLOCS(rc = tessera_janus_token(SECRET64, 32, 1000, plugins, 1, buf, sizeof buf, &n)) == 0 && rc == TESSERA_OK);
    CHECK("Janus verify allocates nothing",
          ALLOCS(rc = tessera_janus_token_verify(SECRET64, 32, buf, n, "janus.plugin.videoroom", 1000)) == 0 &&
              rc == TESSERA_OK);
    CHECK("hs256 key", tessera_key_new_hmac(TESSERA_HS256, SECRET64, 32, NULL, &k) == TESSERA_OK);
    CHECK("sign_header with a cty allocates nothing",
          ALLOCS(rc = tessera_jwt_sign_header(k, "{\"cty\":\"twilio-fpa;v=1\"}", 24, "{\"sub\":\"a\"}", 11, buf, sizeof buf,
                                              &n)) == 0 && rc == TESSERA_OK);
    CHECK("platform token (livekit) allocates nothing",
          ALLOCS(rc = tessera_platform_token(k, "livekit", params, 4, 1000, 600, buf, sizeof buf, &n)) == 0 && rc == TESSERA_OK);
    tessera_key_free(k);
    CHECK("hs256 key with a kid", tessera_key_new_hmac(TESSERA_HS256, SECRET64, 32, "vpaas-magic-cookie-1/k", &k) == TESSERA_OK);
    CHECK("sign_header with the key's kid allocates nothing",
          ALLOCS(rc = tessera_jwt_sign_header(k, "{\"cty\":\"x\"}", 11, "{\"sub\":\"a\"}", 11, buf, sizeof buf, &n)) == 0 &&
              rc == TESSERA_OK);
    tessera_key_free(k);
  }
  asymmetric(TESSERA_RS256);
  asymmetric(TESSERA_ES256);
  asymmetric(TESSERA_EDDSA);
  return REPORT("test_alloc");
}
