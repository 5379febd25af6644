/*
 * The C API against the installed header and library: every exported
 * function with good and bad input, the output-buffer contract, and four
 * threads signing with one key.
 *
 * Built by Tests/C/run.sh with gcc and clang, -std=c99 -Wall -Wextra
 * -Werror -pedantic, linked once to libtessera.so and once to libtessera.a.
 * Expected tokens are checked against independent HMACs computed by
 * `openssl` at test time (see run.sh) where the key is fixed.
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char SECRET32[] = "0123456789abcdef0123456789abcdef";
static const char SECRET48[] = "0123456789abcdef0123456789abcdef0123456789abcdef";
static const char SECRET64[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char CLAIMS[] =
    "{\"apikey\":\"4f3c-demo\",\"permissions\":[\"allow_join\"],\"version\":2,"
    "\"roles\":[\"CRAWLER\"]}";

/* ---- base64url decoding for checking outputs (test-side, independent) --- */
static int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

static size_t b64url_decode(const char *s, size_t n, unsigned char *out) {
  size_t o = 0, i;
  unsigned acc = 0;
  int bits = 0;
  for (i = 0; i < n; i++) {
    int v = b64url_value(s[i]);
    if (v < 0) return (size_t)-1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  out[o] = 0;
  return o;
}

/* Decodes segment `which` (0, 1, 2) of a compact token into out. */
static size_t segment(const char *token, int which, unsigned char *out) {
  const char *start = token, *end;
  int k;
  for (k = 0; k < which; k++) {
    start = strchr(start, '.');
    if (!start) return (size_t)-1;
    start++;
  }
  end = strchr(start, '.');
  if (!end) end = start + strlen(start);
  return b64url_decode(start, (size_t)(end - start), out);
}

static int count_char(const char *s, char c) {
  int n = 0;
  for (; *s; s++) n += *s == c;
  return n;
}

/* ------------------------------------------------------------------------ */

static void test_version_and_errors(void) {
  int s;
  CHECK("version string", strcmp(tessera_version_string(), TESSERA_VERSION_STRING) == 0);
  CHECK("version number", tessera_version_number() == TESSERA_VERSION_NUM);
  {
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", TESSERA_VERSION_MAJOR, TESSERA_VERSION_MINOR, TESSERA_VERSION_PATCH);
    CHECK("version string macro is MAJOR.MINOR.PATCH", strcmp(v, TESSERA_VERSION_STRING) == 0);
  }
  CHECK("version macros", TESSERA_VERSION_NUM == ((TESSERA_VERSION_MAJOR << 16) |
                                                  (TESSERA_VERSION_MINOR << 8) |
                                                  TESSERA_VERSION_PATCH));
  for (s = TESSERA_E_CRYPTO - 3; s <= 3; s++) {
    const char *text = tessera_strerror(s);
    CHECK("strerror never NULL", text != NULL && text[0] != '\0');
  }
  CHECK("strerror distinct", strcmp(tessera_strerror(TESSERA_E_KEY), tessera_strerror(TESSERA_E_ALGORITHM)) != 0);
  CHECK("strerror unknown", strstr(tessera_strerror(12345), "unknown") != NULL);
  CHECK("status values", TESSERA_OK == 0 && TESSERA_E_ARGUMENT == -1 && TESSERA_E_BUFFER_TOO_SMALL == -2 &&
                             TESSERA_E_NOMEM == -3 && TESSERA_E_KEY == -4 && TESSERA_E_ALGORITHM == -5 &&
                             TESSERA_E_MALFORMED == -6 && TESSERA_E_SIGNATURE == -7 && TESSERA_E_EXPIRED == -8 &&
                             TESSERA_E_NOT_YET_VALID == -9 && TESSERA_E_ISSUED_IN_FUTURE == -10 &&
                             TESSERA_E_CLAIM == -11 && TESSERA_E_LIFETIME == -12 &&
                             TESSERA_E_KEY_NOT_FOUND == -13 && TESSERA_E_CRYPTO == -14);
  CHECK("last_error never NULL", tessera_last_error() != NULL);
  {
    int64_t now = tessera_now();
    CHECK("now is plausible", now > 1700000000 && now < 4102444800LL);
  }
}

static void test_algorithms(void) {
  static const char *names[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                                "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};
  int i;
  tessera_alg alg = TESSERA_HS256;
  for (i = 0; i < 13; i++) {
    tessera_alg a = (tessera_alg)(i + 1);
    CHECK("alg_name", tessera_alg_name(a) != NULL && strcmp(tessera_alg_name(a), names[i]) == 0);
    CHECK("alg_from_name", tessera_alg_from_name(names[i], &alg) == TESSERA_OK && alg == a);
  }
  CHECK("alg_name(0)", tessera_alg_name((tessera_alg)0) == NULL);
  CHECK("alg_name(14)", tessera_alg_name((tessera_alg)14) == NULL);
  CHECK("alg_name(-1)", tessera_alg_name((tessera_alg)-1) == NULL);
  alg = TESSERA_ES512;
  CHECK("from_name none", tessera_alg_from_name("none", &alg) == TESSERA_E_ALGORITHM && alg == TESSERA_ES512);
  CHECK("from_name case", tessera_alg_from_name("hs256", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name EDDSA", tessera_alg_from_name("EDDSA", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name prefix", tessera_alg_from_name("HS2", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name longer", tessera_alg_from_name("HS2560", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name long", tessera_alg_from_name("HS256-with-a-very-long-tail", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name empty", tessera_alg_from_name("", &alg) == TESSERA_E_ALGORITHM);
  CHECK("from_name detail", strlen(tessera_last_error()) > 0);
  CHECK("from_name NULL name", tessera_alg_from_name(NULL, &alg) == TESSERA_E_ARGUMENT);
  CHECK("from_name NULL out", tessera_alg_from_name("HS256", NULL) == TESSERA_E_ARGUMENT);
  CHECK("success clears detail", tessera_alg_from_name("HS256", &alg) == TESSERA_OK && tessera_last_error()[0] == '\0');
}

static void test_keys(void) {
  tessera_key *k = (tessera_key *)&k; /* garbage: must be overwritten */
  char buf[256];
  size_t n = 99;
  const char *pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEabc\n-----END PUBLIC KEY-----\n";
  const char *jwk = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"pad\":\"0123456789\"}";

  CHECK("new_hmac HS256", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK && k != NULL);
  CHECK("key_alg", tessera_key_alg(k) == TESSERA_HS256);
  CHECK("export HMAC refused", tessera_key_export_jwk(k, buf, sizeof buf, &n) == TESSERA_E_KEY && n == 0);
  CHECK("export detail", strstr(tessera_last_error(), "HMAC") != NULL);
  CHECK("export never leaks", strstr(buf, "0123456789abcdef") == NULL);
  CHECK("export NULL key", tessera_key_export_jwk(NULL, buf, sizeof buf, &n) == TESSERA_E_ARGUMENT);
  CHECK("export NULL out_len", tessera_key_export_jwk(k, buf, sizeof buf, NULL) == TESSERA_E_ARGUMENT);
  tessera_key_free(k);
  tessera_key_free(NULL);
  CHECK("key_alg(NULL)", tessera_key_alg(NULL) == (tessera_alg)0);

  k = (tessera_key *)&k;
  CHECK("short secret", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 31, NULL, &k) == TESSERA_E_KEY && k == NULL);
  CHECK("short detail", strstr(tessera_last_error(), "32") != NULL);
  CHECK("short HS384", tessera_key_new_hmac(TESSERA_HS384, SECRET32, 32, NULL, &k) == TESSERA_E_KEY);
  CHECK("short HS512", tessera_key_new_hmac(TESSERA_HS512, SECRET48, 48, NULL, &k) == TESSERA_E_KEY);
  CHECK("HS384 48", tessera_key_new_hmac(TESSERA_HS384, SECRET48, 48, "k", &k) == TESSERA_OK);
  CHECK("HS384 alg", tessera_key_alg(k) == TESSERA_HS384);
  tessera_key_free(k);
  CHECK("HS512 64", tessera_key_new_hmac(TESSERA_HS512, SECRET64, 64, NULL, &k) == TESSERA_OK);
  CHECK("HS512 alg", tessera_key_alg(k) == TESSERA_HS512);
  tessera_key_free(k);
  CHECK("RS256 not HMAC", tessera_key_new_hmac(TESSERA_RS256, SECRET32, 32, NULL, &k) == TESSERA_E_ALGORITHM);
  CHECK("alg 0", tessera_key_new_hmac((tessera_alg)0, SECRET32, 32, NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("alg 99", tessera_key_new_hmac((tessera_alg)99, SECRET32, 32, NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("NULL secret", tessera_key_new_hmac(TESSERA_HS256, NULL, 32, NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("NULL out", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, NULL) == TESSERA_E_ARGUMENT);
  CHECK("huge length", tessera_key_new_hmac(TESSERA_HS256, SECRET32, (size_t)-1, NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("empty kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, "", &k) == TESSERA_E_ARGUMENT);
  CHECK("bad UTF-8 kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, "\xc0\xaf", &k) == TESSERA_E_ARGUMENT);
  {
    char longkid[300];
    memset(longkid, 'k', sizeof longkid - 1);
    longkid[sizeof longkid - 1] = '\0';
    CHECK("long kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, longkid, &k) == TESSERA_E_ARGUMENT);
    longkid[256] = '\0';
    CHECK("256-byte kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, longkid, &k) == TESSERA_OK);
    tessera_key_free(k);
  }
  /* Algorithm confusion: a PEM or a JWK is never an HMAC secret. */
  CHECK("PEM as secret", tessera_key_new_hmac(TESSERA_HS256, pem, strlen(pem), NULL, &k) == TESSERA_E_KEY);
  CHECK("PEM detail", strstr(tessera_last_error(), "PEM") != NULL);
  CHECK("JWK as secret", tessera_key_new_hmac(TESSERA_HS256, jwk, strlen(jwk), NULL, &k) == TESSERA_E_KEY);
  CHECK("confusion detail has no secret", strstr(tessera_last_error(), "f83OJ3D2") == NULL);
}

static void test_sign(void) {
  tessera_key *k = NULL, *kk = NULL;
  char out[1024], small[16];
  unsigned char seg[1024];
  size_t n = 0, need = 0;
  int rc;

  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK);
  CHECK("key with kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, "2024-\"rot\"", &kk) == TESSERA_OK);

  /* Size query, then exact buffer. */
  rc = tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), NULL, 0, &need);
  CHECK("size query status", rc == TESSERA_E_BUFFER_TOO_SMALL);
  CHECK("size query length", need > 100 && need < 300);
  rc = tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), out, need + 1, &n);
  CHECK("sign exact", rc == TESSERA_OK && n == need && strlen(out) == n);
  CHECK("three segments", count_char(out, '.') == 2);
  CHECK("no padding", strchr(out, '=') == NULL && strchr(out, '+') == NULL && strchr(out, '/') == NULL);
  CHECK("header", segment(out, 0, seg) != (size_t)-1 && strcmp((char *)seg, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") == 0);
  CHECK("payload unchanged", segment(out, 1, seg) == strlen(CLAIMS) && memcmp(seg, CLAIMS, strlen(CLAIMS)) == 0);
  CHECK("mac length", segment(out, 2, seg) == 32);
  printf("TOKEN hs256 %s\n", out); /* run.sh checks the MAC with openssl */

  /* One byte short: BUFFER_TOO_SMALL, length reported, buffer emptied. */
  memset(out, 'x', sizeof out);
  rc = tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), out, need, &n);
  CHECK("one short", rc == TESSERA_E_BUFFER_TOO_SMALL && n == need && out[0] == '\0');
  rc = tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), small, sizeof small, &n);
  CHECK("small buffer", rc == TESSERA_E_BUFFER_TOO_SMALL && n == need && small[0] == '\0');

  /* Deterministic: same key, same claims, same token. */
  {
    char again[1024];
    size_t m = 0;
    CHECK("sign again", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), out, sizeof out, &n) == TESSERA_OK);
    CHECK("sign again 2", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), again, sizeof again, &m) == TESSERA_OK);
    CHECK("deterministic", n == m && strcmp(out, again) == 0);
  }

  /* kid in the header, JSON-escaped. */
  CHECK("kid sign", tessera_jwt_sign(kk, "{}", 2, out, sizeof out, &n) == TESSERA_OK);
  CHECK("kid header", segment(out, 0, seg) != (size_t)-1 &&
                          strcmp((char *)seg, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"2024-\\\"rot\\\"\"}") == 0);
  printf("TOKEN hs256kid %s\n", out);

  /* Bad arguments. */
  CHECK("NULL key", tessera_jwt_sign(NULL, CLAIMS, strlen(CLAIMS), out, sizeof out, &n) == TESSERA_E_ARGUMENT && n == 0);
  CHECK("NULL claims", tessera_jwt_sign(k, NULL, 5, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("NULL out_len", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), out, sizeof out, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL out with cap", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), NULL, 10, &n) == TESSERA_E_ARGUMENT);
  CHECK("huge claims_len", tessera_jwt_sign(k, CLAIMS, (size_t)-1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("huge out_cap", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), out, (size_t)-1, &n) == TESSERA_E_ARGUMENT);

  /* Bad claims. */
  {
    static const char *bad[] = {"", "[]", "null", "{", "{\"a\":1,}", "{\"a\":1,\"a\":2}", "{\"a\":01}",
                                "{\"a\":\"\x01\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\"}", "{} {}",
                                "{\"a\":\"\xed\xa0\x80\"}", "\xef\xbb\xbf{}", "{'a':1}"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      memset(out, 'x', sizeof out);
      rc = tessera_jwt_sign(k, bad[i], strlen(bad[i]), out, sizeof out, &n);
      CHECK("bad claims malformed", rc == TESSERA_E_MALFORMED && n == 0 && out[0] == '\0');
    }
    rc = tessera_jwt_sign(k, "{\"a\":1}\0", 8, out, sizeof out, &n);
    CHECK("trailing NUL", rc == TESSERA_E_MALFORMED);
    rc = tessera_jwt_sign(k, "{\"a\":\"x\0y\"}", 11, out, sizeof out, &n);
    CHECK("NUL in string", rc == TESSERA_E_MALFORMED);
    CHECK("claims detail", strstr(tessera_last_error(), "claims") != NULL);
  }
  {
    /* Depth 64 is fine, 65 is not. */
    char deep[400];
    int d;
    size_t p = 0;
    deep[p++] = '{';
    deep[p++] = '"'; deep[p++] = 'a'; deep[p++] = '"'; deep[p++] = ':';
    for (d = 0; d < 63; d++) deep[p++] = '[';
    for (d = 0; d < 63; d++) deep[p++] = ']';
    deep[p++] = '}';
    CHECK("depth 64", tessera_jwt_sign(k, deep, p, out, sizeof out, &n) == TESSERA_OK);
    p = 5;
    for (d = 0; d < 64; d++) deep[p++] = '[';
    for (d = 0; d < 64; d++) deep[p++] = ']';
    deep[p++] = '}';
    CHECK("depth 65", tessera_jwt_sign(k, deep, p, out, sizeof out, &n) == TESSERA_E_MALFORMED);
  }
  {
    /* A token over 64 KiB is refused, even with room for it. */
    size_t big = 50000, i;
    char *claims = malloc(big + 16), *tok = malloc(70000);
    if (claims && tok) {
      memcpy(claims, "{\"a\":\"", 6);
      for (i = 6; i < big; i++) claims[i] = 'x';
      memcpy(claims + big, "\"}", 2);
      rc = tessera_jwt_sign(k, claims, big + 2, tok, 70000, &n);
      CHECK("over 64 KiB", rc == TESSERA_E_MALFORMED);
      rc = tessera_jwt_sign(k, claims, 40000, tok, 70000, &n);
      CHECK("bad tail still malformed", rc == TESSERA_E_MALFORMED);
      memcpy(claims + 40000, "\"}", 2);
      rc = tessera_jwt_sign(k, claims, 40002, tok, 70000, &n);
      CHECK("40 KB claims fine", rc == TESSERA_OK && n > 53000 && n <= TESSERA_TOKEN_MAX);
    }
    free(claims);
    free(tok);
  }
  tessera_key_free(k);
  tessera_key_free(kk);
}

static void test_issue(void) {
  tessera_key *k = NULL;
  char out[1024];
  unsigned char seg[1024];
  size_t n = 0, need = 0;
  int rc;
  const char *c = "{\"iss\":\"ops@example.com\"}";

  CHECK("key", tessera_key_new_hmac(TESSERA_HS512, SECRET64, 64, "skykit", &k) == TESSERA_OK);
  rc = tessera_jwt_issue(k, c, strlen(c), 1700000000, 3600, 0, out, sizeof out, &n);
  CHECK("issue", rc == TESSERA_OK);
  CHECK("issue payload", segment(out, 1, seg) != (size_t)-1 &&
                             strcmp((char *)seg, "{\"iss\":\"ops@example.com\",\"iat\":1700000000,\"exp\":1700003600}") == 0);
  CHECK("issue header", segment(out, 0, seg) != (size_t)-1 &&
                            strcmp((char *)seg, "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"skykit\"}") == 0);
  CHECK("issue mac", segment(out, 2, seg) == 64);
  printf("TOKEN hs512issue %s\n", out);

  rc = tessera_jwt_issue(k, "{}", 2, 0, 1, TESSERA_ISSUE_NBF, out, sizeof out, &n);
  CHECK("issue empty nbf", rc == TESSERA_OK && segment(out, 1, seg) != (size_t)-1 &&
                               strcmp((char *)seg, "{\"iat\":0,\"exp\":1,\"nbf\":0}") == 0);

  rc = tessera_jwt_issue(k, "{}", 2, 1700000000, 600, TESSERA_ISSUE_NBF | TESSERA_ISSUE_JTI, NULL, 0, &need);
  CHECK("issue size query", rc == TESSERA_E_BUFFER_TOO_SMALL && need > 0);
  rc = tessera_jwt_issue(k, "{}", 2, 1700000000, 600, TESSERA_ISSUE_NBF | TESSERA_ISSUE_JTI, out, need + 1, &n);
  CHECK("issue jti exact size", rc == TESSERA_OK && n == need);
  CHECK("issue jti", segment(out, 1, seg) != (size_t)-1 &&
                         strncmp((char *)seg, "{\"iat\":1700000000,\"exp\":1700000600,\"nbf\":1700000000,\"jti\":\"", 59) == 0);
  {
    const char *u = (const char *)seg + 59;
    CHECK("uuid shape", strlen(u) == 38 && u[8] == '-' && u[13] == '-' && u[14] == '4' && u[18] == '-' &&
                            strchr("89ab", u[19]) != NULL && u[23] == '-' && u[36] == '"' && u[37] == '}');
  }

  CHECK("issue iat clash", tessera_jwt_issue(k, "{\"iat\":1}", 9, 5, 1, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue exp clash", tessera_jwt_issue(k, "{\"exp\":1}", 9, 5, 1, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue nbf ok w/o flag", tessera_jwt_issue(k, "{\"nbf\":1}", 9, 5, 1, 0, out, sizeof out, &n) == TESSERA_OK);
  CHECK("issue nbf clash", tessera_jwt_issue(k, "{\"nbf\":1}", 9, 5, 1, TESSERA_ISSUE_NBF, out, sizeof out, &n) ==
                               TESSERA_E_ARGUMENT);
  CHECK("issue jti clash", tessera_jwt_issue(k, "{\"jti\":\"x\"}", 11, 5, 1, TESSERA_ISSUE_JTI, out, sizeof out, &n) ==
                               TESSERA_E_ARGUMENT);
  CHECK("issue now<0", tessera_jwt_issue(k, "{}", 2, -1, 1, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue ttl 0", tessera_jwt_issue(k, "{}", 2, 5, 0, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue overflow", tessera_jwt_issue(k, "{}", 2, INT64_MAX - 5, 10, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue bad flags", tessera_jwt_issue(k, "{}", 2, 5, 1, 8u, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue bad claims", tessera_jwt_issue(k, "{\"a\"}", 5, 5, 1, 0, out, sizeof out, &n) == TESSERA_E_MALFORMED);
  CHECK("issue NULL key", tessera_jwt_issue(NULL, "{}", 2, 5, 1, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue NULL claims", tessera_jwt_issue(k, NULL, 2, 5, 1, 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("issue NULL out_len", tessera_jwt_issue(k, "{}", 2, 5, 1, 0, out, sizeof out, NULL) == TESSERA_E_ARGUMENT);
  tessera_key_free(k);
}

/* ---- signer templates and batch signing ---------------------------------- */

static void test_templates(void) {
  tessera_key *k = NULL;
  tessera_signer *t = NULL;
  char a[1024], b[1024];
  size_t na = 0, nb = 0;
  CHECK("template key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK);
  CHECK("signer_new", tessera_signer_new(k, CLAIMS, strlen(CLAIMS), 600, 0, &t) == TESSERA_OK && t != NULL);
  CHECK("issue for comparison", tessera_jwt_issue(k, CLAIMS, strlen(CLAIMS), 1700000000, 600, 0, b, sizeof b, &nb) == TESSERA_OK);
  tessera_key_free(k); /* the template keeps its own reference */
  CHECK("template sign", tessera_signer_sign(t, NULL, 0, 1700000000, a, sizeof a, &na) == TESSERA_OK);
  CHECK("template = issue", na == nb && strcmp(a, b) == 0);
  printf("TOKEN hs256template %s\n", a);
  CHECK("template size query", tessera_signer_sign(t, NULL, 0, 1700000000, NULL, 0, &nb) == TESSERA_E_BUFFER_TOO_SMALL && nb == na);
  CHECK("template extra", tessera_signer_sign(t, "{\"sub\":\"alice\"}", 15, 1700000000, a, sizeof a, &na) == TESSERA_OK);
  CHECK("template extra repeats constant", tessera_signer_sign(t, "{\"version\":3}", 13, 1, a, sizeof a, &na) == TESSERA_E_MALFORMED);
  CHECK("template extra adds iat", tessera_signer_sign(t, "{\"iat\":3}", 9, 1, a, sizeof a, &na) == TESSERA_E_ARGUMENT);
  CHECK("template NULL claims with length", tessera_signer_sign(t, NULL, 4, 1, a, sizeof a, &na) == TESSERA_E_ARGUMENT);
  CHECK("template negative now", tessera_signer_sign(t, NULL, 0, -1, a, sizeof a, &na) == TESSERA_E_ARGUMENT);
  CHECK("template NULL signer", tessera_signer_sign(NULL, NULL, 0, 1, a, sizeof a, &na) == TESSERA_E_ARGUMENT);
  CHECK("template NULL out_len", tessera_signer_sign(t, NULL, 0, 1, a, sizeof a, NULL) == TESSERA_E_ARGUMENT);
  tessera_signer_free(t);
  tessera_signer_free(NULL);
  CHECK("signer_new NULL key", tessera_signer_new(NULL, "{}", 2, 600, 0, &t) == TESSERA_E_ARGUMENT);
  CHECK("signer_new clash", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK &&
                                tessera_signer_new(k, "{\"exp\":1}", 9, 600, 0, &t) == TESSERA_E_ARGUMENT && t == NULL);
  CHECK("signer_new ttl 0", tessera_signer_new(k, "{}", 2, 0, 0, &t) == TESSERA_E_ARGUMENT);
  CHECK("signer_new NULL out", tessera_signer_new(k, "{}", 2, 60, 0, NULL) == TESSERA_E_ARGUMENT);
  tessera_key_free(k);
}

static void test_batch(void) {
  enum { N = 200, STRIDE = 512 };
  tessera_key *k = NULL;
  static const char *claims[N];
  static size_t lens[N], out_lens[N];
  static int statuses[N];
  static char out[N * STRIDE];
  static char texts[N][64];
  char one[STRIDE];
  size_t n1 = 0;
  int i, rc, same = 1;
  CHECK("batch key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK);
  for (i = 0; i < N; i++) {
    sprintf(texts[i], "{\"peer\":\"p-%d\",\"n\":%d}", i, i);
    claims[i] = texts[i];
    lens[i] = strlen(texts[i]);
  }
  rc = tessera_jwt_sign_batch(k, N, claims, lens, out, STRIDE, out_lens, statuses);
  CHECK("batch all ok", rc == TESSERA_OK);
  for (i = 0; i < N; i++) {
    if (statuses[i] != TESSERA_OK || tessera_jwt_sign(k, claims[i], lens[i], one, sizeof one, &n1) != TESSERA_OK ||
        n1 != out_lens[i] || strcmp(one, out + i * STRIDE) != 0)
      same = 0;
  }
  CHECK("batch tokens = single tokens", same);
  /* Item 37 malformed, item 50 NULL: the lowest failing index is reported. */
  claims[37] = "{\"a\":";
  lens[37] = 5;
  claims[50] = NULL;
  rc = tessera_jwt_sign_batch(k, N, claims, lens, out, STRIDE, out_lens, statuses);
  CHECK("batch first failure", rc == TESSERA_E_MALFORMED && strstr(tessera_last_error(), "claims[37]") != NULL);
  CHECK("batch per-item statuses", statuses[37] == TESSERA_E_MALFORMED && statuses[50] == TESSERA_E_ARGUMENT &&
                                       statuses[36] == TESSERA_OK && statuses[199] == TESSERA_OK &&
                                       out[37 * STRIDE] == '\0' && out_lens[37] == 0);
  claims[37] = texts[37];
  lens[37] = strlen(texts[37]);
  claims[50] = texts[50];
  /* Too little room per item: each item says what it needs. */
  rc = tessera_jwt_sign_batch(k, 3, claims, lens, out, 16, out_lens, statuses);
  CHECK("batch small stride", rc == TESSERA_E_BUFFER_TOO_SMALL && statuses[0] == TESSERA_E_BUFFER_TOO_SMALL && out_lens[0] > 16);
  CHECK("batch count 0", tessera_jwt_sign_batch(k, 0, NULL, NULL, NULL, 0, NULL, NULL) == TESSERA_OK);
  CHECK("batch NULL arrays", tessera_jwt_sign_batch(k, 3, NULL, lens, out, STRIDE, out_lens, statuses) == TESSERA_E_ARGUMENT);
  CHECK("batch stride 0", tessera_jwt_sign_batch(k, 3, claims, lens, out, 0, out_lens, statuses) == TESSERA_E_ARGUMENT);
  CHECK("batch overflow", tessera_jwt_sign_batch(k, (size_t)1 << 40, claims, lens, out, (size_t)1 << 40, out_lens, statuses) ==
                              TESSERA_E_ARGUMENT);
  CHECK("batch NULL key", tessera_jwt_sign_batch(NULL, 3, claims, lens, out, STRIDE, out_lens, statuses) == TESSERA_E_ARGUMENT);
  tessera_key_free(k);
}

/* ---- four threads signing with one key --------------------------------- */

struct worker {
  const tessera_key *key;
  const char *expected;
  int id;
  int failures;
};

static void *sign_loop(void *arg) {
  struct worker *w = arg;
  char out[512], claims[128];
  size_t n;
  int i;
  for (i = 0; i < 20000; i++) {
    if (tessera_jwt_sign(w->key, CLAIMS, strlen(CLAIMS), out, sizeof out, &n) != TESSERA_OK ||
        strcmp(out, w->expected) != 0)
      w->failures++;
    /* Failures on one thread leave other threads' details alone. */
    if (i % 1000 == 0) {
      sprintf(claims, "{\"thread\":%d,", w->id);
      if (tessera_jwt_sign(w->key, claims, strlen(claims), out, sizeof out, &n) != TESSERA_E_MALFORMED ||
          strstr(tessera_last_error(), "claims") == NULL)
        w->failures++;
    }
  }
  return NULL;
}

static void test_threads(void) {
  tessera_key *k = NULL;
  char expected[512];
  size_t n;
  pthread_t t[4];
  struct worker w[4];
  int i, started = 0, failures = 0;
  CHECK("thread key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &k) == TESSERA_OK);
  CHECK("thread expected", tessera_jwt_sign(k, CLAIMS, strlen(CLAIMS), expected, sizeof expected, &n) == TESSERA_OK);
  for (i = 0; i < 4; i++) {
    w[i].key = k;
    w[i].expected = expected;
    w[i].id = i;
    w[i].failures = 0;
    if (pthread_create(&t[i], NULL, sign_loop, &w[i]) == 0) started++;
  }
  for (i = 0; i < started; i++) {
    pthread_join(t[i], NULL);
    failures += w[i].failures;
  }
  CHECK("four threads started", started == 4);
  CHECK("four threads, one key, identical tokens", failures == 0);
  tessera_key_free(k);
}

int main(void) {
  test_version_and_errors();
  test_algorithms();
  test_keys();
  test_sign();
  test_issue();
  test_templates();
  test_batch();
  test_threads();
  return REPORT("test_api");
}
