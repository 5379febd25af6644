/*
 * Allocation failure: every allocation that can fail does, in turn, and
 * each comes back as a status.
 *
 * The program replaces malloc, calloc, realloc and the aligned allocators
 * for the whole process. An allocation is "failable" when the library makes
 * it itself (its checked allocations use calloc: Sources/Tessera/Support/
 * Memory.swift) or when libcrypto makes it. For each operation and each N
 * = 1, 2, ... a child process (fork) fails the N-th failable allocation of
 * the operation and nothing else; the child must come back with a status,
 * never crash, and an allocation of the library's own must come back as
 * TESSERA_E_NOMEM. N grows until the operation makes fewer than N failable
 * allocations. (The Swift runtime's own allocations, with malloc, are never
 * failed: it ends the process when one fails, as the header says.)
 *
 * Runs only uninstrumented (sanitizers and valgrind replace the allocator).
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "private_keys.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static int window, fail_at, seen, failed_ours, failed_openssl, inside;

static int from_libcrypto(void *caller) {
  Dl_info info;
  return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "libcrypto");
}

/* Whether this allocation is the one to fail. */
static int fail_this(void *caller, int is_calloc) {
  int openssl;
  if (!window || inside) return 0;
  inside = 1;
  openssl = from_libcrypto(caller);
  inside = 0;
  if (!openssl && !is_calloc) return 0; /* the Swift runtime's, or the test's */
  if (++seen != fail_at) return 0;
  if (openssl) failed_openssl = 1;
  else failed_ours = 1;
  return 1;
}

void *malloc(size_t n) { return fail_this(__builtin_return_address(0), 0) ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t m) { return fail_this(__builtin_return_address(0), 1) ? NULL : __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { return fail_this(__builtin_return_address(0), 0) ? NULL : __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { return fail_this(__builtin_return_address(0), 0) ? NULL : __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) {
  return fail_this(__builtin_return_address(0), 0) ? NULL : __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n) {
  void *p;
  if (fail_this(__builtin_return_address(0), 0)) return ENOMEM;
  if (!(p = __libc_memalign(a, n))) return ENOMEM;
  *out = p;
  return 0;
}

/* ---- the operations --------------------------------------------------------- */

static const char SECRET[] = "0123456789abcdef0123456789abcdef";
static const char CLAIMS[] = "{\"sub\":\"alice\",\"exp\":4102444800}";
static const char OCT_JWK[] =
    "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"o1\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}";

static tessera_key *hs_key, *es_key, *rs_key, *ed_key;
static char es_token[1024], rs_token[1024], ed_token[1024];
static size_t es_len, rs_len, ed_len;

static int op_key_hmac(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, "k1", &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_jwk_oct(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, OCT_JWK, strlen(OCT_JWK), &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_jwk_ec(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, EC_JWK, strlen(EC_JWK), &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_jwk_ed(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, ED_JWK, strlen(ED_JWK), &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_jwk_rsa(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, RSA_JWK, strlen(RSA_JWK), &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_pem_ed(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_pem(TESSERA_EDDSA, ED_PEM, strlen(ED_PEM), NULL, &k);
  tessera_key_free(k);
  return rc;
}
static int op_signer_es(void) {
  tessera_signer *s = NULL;
  char token[1024];
  size_t n = 0;
  int rc = tessera_signer_new(es_key, "{\"room\":\"r1\"}", 13, 600, 0, &s);
  if (rc == TESSERA_OK) rc = tessera_signer_sign(s, "{\"sub\":\"bob\"}", 13, 1700000000, token, sizeof token, &n);
  tessera_signer_free(s);
  return rc;
}
static tessera_keyset *es_set;
static int op_verify_keyset_es(void) { return tessera_jwt_verify_keyset(es_set, es_token, es_len, NULL, NULL, 0, NULL); }
static int op_key_pem_ec(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_new_pem(TESSERA_ES256, EC_PEM, strlen(EC_PEM), NULL, &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_generate_hs(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_generate(TESSERA_HS512, NULL, &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_generate_es(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_generate(TESSERA_ES384, NULL, &k);
  tessera_key_free(k);
  return rc;
}
static int op_key_generate_ed(void) {
  tessera_key *k = NULL;
  int rc = tessera_key_generate(TESSERA_EDDSA, NULL, &k);
  tessera_key_free(k);
  return rc;
}
static int op_keyset_jwks(void) {
  char jwks[1024];
  tessera_keyset *set = NULL;
  int rc;
  snprintf(jwks, sizeof jwks, "{\"keys\":[%s,%s]}", OCT_JWK, EC_JWK);
  rc = tessera_keyset_new_jwks(jwks, strlen(jwks), &set);
  tessera_keyset_free(set);
  return rc;
}
static int op_signer_new(void) {
  tessera_signer *s = NULL;
  int rc = tessera_signer_new(hs_key, "{\"room\":\"r1\"}", 13, 600, TESSERA_ISSUE_JTI, &s);
  tessera_signer_free(s);
  return rc;
}
static int op_sign_es(void) {
  char token[1024];
  size_t n = 0;
  return tessera_jwt_sign(es_key, CLAIMS, strlen(CLAIMS), token, sizeof token, &n);
}
static int op_verify_es(void) { return tessera_jwt_verify(es_key, es_token, es_len, NULL, NULL, 0, NULL); }
static int op_sign_rs(void) {
  char token[1024];
  size_t n = 0;
  return tessera_jwt_sign(rs_key, CLAIMS, strlen(CLAIMS), token, sizeof token, &n);
}
static int op_verify_rs(void) { return tessera_jwt_verify(rs_key, rs_token, rs_len, NULL, NULL, 0, NULL); }
/* Agora's token, UserSig and their verifiers on a thread of their own: a
 * thread's first zlib use allocates its deflate and inflate streams (calloc,
 * the library's own), which must come back as TESSERA_E_NOMEM. The thread's
 * own creation allocates too; if that fails the operation says so with
 * TESSERA_E_NOMEM as well (it is not the library's doing). */
static void *zlib_thread(void *arg) {
  static const char app[] = "970CA35de60c44645bbae8a215061b33", cert[] = "5CFd2fd1755d40ecb72977518be15d3b";
  char out[1024];
  size_t n = 0;
  int rc = tessera_agora_rtc_token(app, cert, "channel", "42", TESSERA_AGORA_ROLE_PUBLISHER, 600, 600, 1000, 5, out,
                                   sizeof out, &n);
  if (rc == TESSERA_OK) rc = tessera_agora_token_verify(cert, out, n, 1000, NULL, 0, NULL);
  if (rc == TESSERA_OK) rc = tessera_trtc_usersig(1400000000, SECRET, 32, "alice", 600, 1000, out, sizeof out, &n);
  if (rc == TESSERA_OK) rc = tessera_trtc_usersig_verify(1400000000, SECRET, 32, "alice", out, n, 1000);
  *(int *)arg = rc;
  return NULL;
}

static int op_zlib_fresh_thread(void) {
  pthread_t t;
  int rc = TESSERA_E_CRYPTO;
  if (pthread_create(&t, NULL, zlib_thread, &rc) != 0) return TESSERA_E_NOMEM;
  pthread_join(t, NULL);
  return rc;
}

static int op_sign_ed(void) {
  char token[1024];
  size_t n = 0;
  return tessera_jwt_sign(ed_key, CLAIMS, strlen(CLAIMS), token, sizeof token, &n);
}
static int op_verify_ed(void) { return tessera_jwt_verify(ed_key, ed_token, ed_len, NULL, NULL, 0, NULL); }
static int op_export_jwk(void) {
  char out[1024];
  size_t n = 0;
  return tessera_key_export_jwk(es_key, out, sizeof out, &n);
}

/* own: how many of the library's own (checked) allocations the operation
 * makes at least: key states, decoded JWK members, template buffers. */
static const struct {
  const char *name;
  int (*run)(void);
  int own;
} OPS[] = {
    {"tessera_key_new_hmac", op_key_hmac, 1},                 /* the HMAC states */
    {"tessera_key_new_jwk (oct)", op_key_jwk_oct, 2},         /* k, the HMAC states */
    {"tessera_key_new_jwk (EC private)", op_key_jwk_ec, 3},   /* x, y, d */
    {"tessera_key_new_jwk (Ed25519 private)", op_key_jwk_ed, 2}, /* x, d */
    {"tessera_key_new_jwk (RSA private)", op_key_jwk_rsa, 8}, /* n, e, d, p, q, dp, dq, qi */
    {"tessera_key_new_pem (SEC1 EC)", op_key_pem_ec, 0},
    {"tessera_key_new_pem (PKCS#8 Ed25519)", op_key_pem_ed, 0},
    {"tessera_key_generate (HS512)", op_key_generate_hs, 1},  /* the HMAC states */
    {"tessera_key_generate (ES384)", op_key_generate_es, 0},
    {"tessera_key_generate (EdDSA)", op_key_generate_ed, 0},
    {"tessera_keyset_new_jwks", op_keyset_jwks, 5},           /* k, states, x, y, d */
    {"tessera_signer_new (HS256)", op_signer_new, 3},         /* prefix, carry, saved state */
    {"tessera_signer_new and _sign (ES256)", op_signer_es, 2}, /* prefix, carry */
    {"tessera_jwt_verify_keyset (ES256)", op_verify_keyset_es, 0},
    {"tessera_jwt_sign (ES256)", op_sign_es, 0},
    {"tessera_jwt_verify (ES256)", op_verify_es, 0},
    {"tessera_jwt_sign (RS256)", op_sign_rs, 0},
    {"tessera_jwt_verify (RS256)", op_verify_rs, 0},
    {"tessera_jwt_sign (EdDSA)", op_sign_ed, 0},
    {"tessera_jwt_verify (EdDSA)", op_verify_ed, 0},
    {"tessera_key_export_jwk (ES256)", op_export_jwk, 0},
    /* the thread's zlib streams: their holder, deflate's five, inflate's state */
    {"Agora and UserSig sign and verify on a new thread", op_zlib_fresh_thread, 7},
};

/* Child exit codes: 200 when the operation made fewer than N failable
 * allocations; else the status's magnitude, plus 100 when the failed
 * allocation was the library's own. */
static int child(int (*run)(void), int n) {
  int rc;
  fail_at = n;
  window = 1;
  rc = run();
  window = 0;
  if (!failed_ours && !failed_openssl) return 200;
  if (rc > 0 || rc < -99) return 99;
  return (failed_ours ? 100 : 0) + -rc;
}

static void exhaust(const char *name, int (*run)(void), int own) {
  int n, ok = 1, ours = 0, openssl = 0, nomem = 0;
  char label[160];
  CHECK(name, run() == TESSERA_OK); /* it works at all, and is warm */
  for (n = 1; n < 5000; n++) {
    int status = 0, code;
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid == 0) _exit(child(run, n));
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
      ok = 0;
      break;
    }
    if (!WIFEXITED(status)) {
      printf("  %s: failing failable allocation %d ended the process (signal %d)\n", name,
             n, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
      ok = 0;
      continue;
    }
    code = WEXITSTATUS(status);
    if (code == 200) break;
    if (code == 99) {
      printf("  %s: allocation %d: not a status\n", name, n);
      ok = 0;
    } else if (code >= 100) {
      ours++;
      if (code - 100 == -TESSERA_E_NOMEM) nomem++;
      else {
        printf("  %s: the library's own allocation %d failed: status %d, not TESSERA_E_NOMEM\n", name, n, -(code - 100));
        ok = 0;
      }
    } else {
      openssl++;
    }
  }
  snprintf(label, sizeof label, "%s: each of %d failable allocations (%d the library's, %d OpenSSL's) gives a status",
           name, ours + openssl, ours, openssl);
  CHECK(label, ok && n < 5000);
  printf("NOTE %s\n", label);
  snprintf(label, sizeof label, "%s: its %d key-state allocation(s) are checked ones (TESSERA_E_NOMEM)", name, own);
  CHECK(label, ours >= own && nomem == ours);
}

int main(void) {
  size_t i;
  CHECK("hs key", tessera_key_new_hmac(TESSERA_HS256, SECRET, 32, NULL, &hs_key) == TESSERA_OK);
  CHECK("es key", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, EC_JWK, strlen(EC_JWK), &es_key) == TESSERA_OK);
  CHECK("ed key", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, ED_JWK, strlen(ED_JWK), &ed_key) == TESSERA_OK);
  CHECK("rs key", tessera_key_generate(TESSERA_RS256, NULL, &rs_key) == TESSERA_OK);
  CHECK("es token", tessera_jwt_sign(es_key, CLAIMS, strlen(CLAIMS), es_token, sizeof es_token, &es_len) == TESSERA_OK);
  CHECK("rs token", tessera_jwt_sign(rs_key, CLAIMS, strlen(CLAIMS), rs_token, sizeof rs_token, &rs_len) == TESSERA_OK);
  CHECK("es set", tessera_keyset_new(&es_set) == TESSERA_OK && tessera_keyset_add(es_set, es_key) == TESSERA_OK);
  CHECK("ed token", tessera_jwt_sign(ed_key, CLAIMS, strlen(CLAIMS), ed_token, sizeof ed_token, &ed_len) == TESSERA_OK);
  /* Control: the hooks fail what they are told to. */
  fail_at = 1;
  window = 1;
  {
    void *p = calloc(1, 16);
    window = 0;
    CHECK("control: the first failable allocation fails", p == NULL && failed_ours == 1);
    free(p);
    failed_ours = 0;
    seen = 0;
  }
  for (i = 0; i < sizeof OPS / sizeof OPS[0]; i++) exhaust(OPS[i].name, OPS[i].run, OPS[i].own);
  tessera_key_free(hs_key);
  tessera_key_free(es_key);
  tessera_key_free(rs_key);
  tessera_key_free(ed_key);
  tessera_keyset_free(es_set);
  return REPORT("test_nomem");
}
