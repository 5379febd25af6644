/*
 * Secrets are wiped before their memory is freed.
 *
 * This program replaces free() and realloc() for the whole process (the
 * library's and OpenSSL's calls included): every block is searched for the
 * secrets in play before it goes back to the allocator. Registered secrets
 * are the raw HMAC secrets, the HMAC states Tessera derives from them (the
 * SHA-2 state after K^ipad and after K^opad, computed here with OpenSSL's
 * low-level API, as the library stores them), and private EC and Ed25519
 * scalars given as JWK or PEM. Each scenario makes keys, uses them, frees
 * them, and must leave no freed block holding any of those bytes. A control
 * first frees a block holding a secret on purpose: the search must see it.
 *
 * One exception: keys read from PEM/DER go through OpenSSL's decoders, which
 * (in OpenSSL 3.0) free intermediate copies of the private key without
 * clearing them, inside OSSL_DECODER_from_data. Blocks libcrypto frees in
 * those scenarios are reported as NOTE lines, not failures: Tessera cannot
 * clear memory inside OpenSSL. Everywhere else, and for every block Tessera
 * frees, a copy is a failure.
 *
 * What this cannot see: copies on the stack, and memory never freed (the
 * valgrind run, make check-memory, finds leaks).
 *
 * The EC and Ed25519 test keys below were made for this test with pyca/cryptography.
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "private_keys.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* SHA256_Init and friends: to compute the HMAC states */
#endif

/* ---- the allocator hooks ------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

#define MAX_SECRETS 32
static struct {
  const char *name;
  unsigned char bytes[512];
  size_t len;
  long found;   /* in blocks freed by Tessera (its code or its Swift runtime) */
  long openssl; /* in blocks libcrypto allocated and freed itself */
} secrets[MAX_SECRETS];
static int nsecrets, armed, openssl_notes;

/* True when the code calling free() lies in libcrypto: OpenSSL freeing
 * its own intermediate buffers. */
static int freed_by_openssl(void *caller) {
  Dl_info info;
  return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "libcrypto");
}

static void search(void *p, void *caller) {
  size_t n = malloc_usable_size(p);
  int i;
  for (i = 0; i < nsecrets; i++) {
    if (!memmem(p, n, secrets[i].bytes, secrets[i].len)) continue;
    if (freed_by_openssl(caller)) secrets[i].openssl++;
    else secrets[i].found++;
    if (getenv("TESSERA_WIPE_TRACE")) { /* who freed it: for diagnosis */
      void *frames[32];
      armed = 0;
      fprintf(stderr, "-- %s freed unwiped by:\n", secrets[i].name);
      backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
      armed = 1;
    }
  }
}

void free(void *p) {
  if (p && armed) search(p, __builtin_return_address(0));
  __libc_free(p);
}

/* glibc's realloc frees a moved block internally, past free(): move it here. */
void *realloc(void *p, size_t n) {
  void *q;
  size_t old;
  if (!p) return malloc(n);
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (!(q = __libc_malloc(n))) return NULL;
  old = malloc_usable_size(p);
  memcpy(q, p, old < n ? old : n);
  if (armed) search(p, __builtin_return_address(0));
  __libc_free(p);
  return q;
}

static void watch(const char *name, const void *bytes, size_t len) {
  if (nsecrets < MAX_SECRETS && len <= sizeof secrets[0].bytes) {
    secrets[nsecrets].name = name;
    memcpy(secrets[nsecrets].bytes, bytes, len);
    secrets[nsecrets].len = len;
    secrets[nsecrets].found = secrets[nsecrets].openssl = 0;
    nsecrets++;
  }
}

/* Stops watching; reports each secret seen in a freed block. Copies that
 * libcrypto frees itself count as failures too, except where `decoding`:
 * OpenSSL's PEM/DER decoders are the one place known to free their own
 * copies unwiped, which Tessera cannot reach. */
static void verdict(const char *scenario, int decoding) {
  int i;
  char name[256];
  armed = 0;
  for (i = 0; i < nsecrets; i++) {
    snprintf(name, sizeof name, "%s: no freed block holds %s", scenario, secrets[i].name);
    CHECK(name, secrets[i].found == 0 && (decoding || secrets[i].openssl == 0));
    if (secrets[i].found || secrets[i].openssl)
      printf("  %s was in %ld freed blocks (%ld freed by libcrypto)\n", secrets[i].name, secrets[i].found + secrets[i].openssl,
             secrets[i].openssl);
    if (decoding && secrets[i].openssl) {
      printf("NOTE %s: libcrypto freed %ld block(s) of its own holding %s unwiped (OpenSSL %s's decoders;"
             " not memory Tessera can clear)\n", scenario, secrets[i].openssl, secrets[i].name, OpenSSL_version(OPENSSL_VERSION_STRING));
      openssl_notes++;
    }
  }
  nsecrets = 0;
}

/* ---- HMAC states, computed as the library keeps them ---------------------- */

/* The SHA-256 states after K^ipad and K^opad (K zero-padded to 64 bytes): the
 * h[] words are what a SHA256_CTX starts with. */
static void watch_hmac256(const char *secret, size_t len) {
  unsigned char block[64];
  SHA256_CTX c;
  size_t i;
  memset(block, 0, sizeof block);
  memcpy(block, secret, len);
  for (i = 0; i < 64; i++) block[i] ^= 0x36;
  SHA256_Init(&c);
  SHA256_Update(&c, block, 64);
  watch("the HMAC-SHA256 inner state", c.h, sizeof c.h);
  for (i = 0; i < 64; i++) block[i] ^= 0x36 ^ 0x5c;
  SHA256_Init(&c);
  SHA256_Update(&c, block, 64);
  watch("the HMAC-SHA256 outer state", c.h, sizeof c.h);
}

static void watch_hmac512(const char *secret, size_t len, int is384) {
  unsigned char block[128];
  SHA512_CTX c;
  size_t i;
  memset(block, 0, sizeof block);
  memcpy(block, secret, len);
  for (i = 0; i < 128; i++) block[i] ^= 0x36;
  is384 ? SHA384_Init(&c) : SHA512_Init(&c);
  SHA512_Update(&c, block, 128);
  watch("the HMAC-SHA512 inner state", c.h, sizeof c.h);
  for (i = 0; i < 128; i++) block[i] ^= 0x36 ^ 0x5c;
  is384 ? SHA384_Init(&c) : SHA512_Init(&c);
  SHA512_Update(&c, block, 128);
  watch("the HMAC-SHA512 outer state", c.h, sizeof c.h);
}

/* ---- test keys ------------------------------------------------------------ */

static const char SECRET32[] = "wipe-test-secret-0123456789abcdef-XYZ";
static const char SECRET64[] = "wipe-test-secret-64-bytes-0123456789abcdef0123456789abcdef012345";
/* SECRET64 as an oct JWK for HS512, "k" its base64url. */
static const char OCT_JWK[] =
    "{\"kty\":\"oct\",\"alg\":\"HS512\",\"kid\":\"oct-1\","
    "\"k\":\"d2lwZS10ZXN0LXNlY3JldC02NC1ieXRlcy0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NQ\"}";
static const char OCT_JWKS_384[] =
    "{\"keys\":[{\"kty\":\"oct\",\"alg\":\"HS384\",\"kid\":\"oct-2\","
    "\"k\":\"d2lwZS10ZXN0LXNlY3JldC02NC1ieXRlcy0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NQ\"}]}";
static const char CLAIMS[] = "{\"sub\":\"alice\"}";
/* CLAIMS with an exp (2100-01-01): what verification requires by default. */
static const char CLAIMS_EXP[] = "{\"sub\":\"alice\",\"exp\":4102444800}";

static const unsigned char EC_D[32] = {0xf9, 0x02, 0x29, 0x8f, 0xc9, 0x2f, 0xf5, 0xac, 0xc4, 0x03, 0xe7, 0xfd, 0x3a, 0x33, 0x6f, 0x7b, 0xac, 0x61, 0x11, 0x6b, 0xb6, 0x02, 0x62, 0x72, 0x14, 0xb7, 0xac, 0x9b, 0x27, 0x06, 0xc5, 0xa4};
/* EC_JWK with its d's first character escaped ("\u002d" is '-'): the text
 * is unescaped into memory of the library's own before it is decoded. */
static const char EC_JWK_ESCAPED[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"d8F2Nt8M7QOJbaEDpyWhkycRMLx7O2mf5eOcPczYIZQ\",\"y\":\"6i-8Jeb9IzqUvy6PWNzDNv6ARoMT-6hjgKdelIlOv9A\",\"d\":\"\\u002dQIpj8kv9azEA-f9OjNve6xhEWu2AmJyFLesmycGxaQ\",\"alg\":\"ES256\"}";
static const unsigned char ED_SEED[32] = {0x37, 0x99, 0xe1, 0x3e, 0xfb, 0x6b, 0x1c, 0xbb, 0xe7, 0xc6, 0x0f, 0x57, 0x92, 0x2d, 0x58, 0x57, 0x9b, 0x12, 0x59, 0x6b, 0x1d, 0xc4, 0x7e, 0x6a, 0x5f, 0xc3, 0xd0, 0xe6, 0x2b, 0xdb, 0x2d, 0x05};


/* ---- JWK secret members: their base64url text and their bytes ------------ */

/* The value of string member `name` in a JWK literal (no escapes in ours). */
static size_t member_text(const char *jwk, const char *name, char *out, size_t cap) {
  char pattern[32];
  const char *start, *end;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
  if (!(start = strstr(jwk, pattern))) return 0;
  start += strlen(pattern);
  if (!(end = strchr(start, '"')) || (size_t)(end - start) >= cap) return 0;
  memcpy(out, start, (size_t)(end - start));
  out[end - start] = '\0';
  return (size_t)(end - start);
}

/* base64url to bytes through OpenSSL's decoder (standard alphabet, padded). */
static size_t b64url_bytes(const char *text, size_t n, unsigned char *out) {
  char std[1024];
  size_t i;
  int len;
  if (n + 4 > sizeof std) return 0;
  for (i = 0; i < n; i++) std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
  while (i % 4) std[i++] = '=';
  len = EVP_DecodeBlock(out, (const unsigned char *)std, (int)i);
  return len < 0 ? 0 : (size_t)len - (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
}

/* Watches member `name` of `jwk`: its base64url text, its bytes, and its
 * bytes reversed (the order of OpenSSL's BIGNUM limbs). */
static void watch_member(const char *jwk, const char *name) {
  static char texts[8][1024];
  static char labels[8][3][64];
  static int slot;
  unsigned char bytes[512], reversed[512];
  size_t n = member_text(jwk, name, texts[slot], sizeof texts[slot]), len, i;
  if (!n) {
    CHECK("the test JWK has the member", 0);
    return;
  }
  len = b64url_bytes(texts[slot], n, bytes);
  for (i = 0; i < len; i++) reversed[i] = bytes[len - 1 - i];
  snprintf(labels[slot][0], sizeof labels[slot][0], "the base64url text of %s", name);
  snprintf(labels[slot][1], sizeof labels[slot][1], "the bytes of %s", name);
  snprintf(labels[slot][2], sizeof labels[slot][2], "the bytes of %s, reversed", name);
  watch(labels[slot][0], texts[slot], n);
  watch(labels[slot][1], bytes, len);
  watch(labels[slot][2], reversed, len);
  slot = (slot + 1) % 8;
}

/* ---- scenarios -------------------------------------------------------------- */

static void control(void) {
  unsigned char *block = malloc(256);
  watch("a secret freed on purpose", SECRET32, 32);
  armed = 1;
  if (block) {
    memset(block, 0, 256);
    memcpy(block + 100, SECRET32, 32);
  }
  free(block);
  armed = 0;
  CHECK("control: the search finds a secret left in a freed block", secrets[0].found == 1);
  nsecrets = 0;
}

/* Signs and verifies once with the key, and once through a template. */
static void use(tessera_key *k) {
  char token[2048];
  size_t n = 0;
  tessera_signer *s = NULL;
  CHECK("sign", tessera_jwt_sign(k, CLAIMS_EXP, strlen(CLAIMS_EXP), token, sizeof token, &n) == TESSERA_OK);
  CHECK("verify", tessera_jwt_verify(k, token, n, NULL, NULL, 0, NULL) == TESSERA_OK);
  CHECK("template", tessera_signer_new(k, CLAIMS, strlen(CLAIMS), 60, 0, &s) == TESSERA_OK);
  CHECK("template sign", tessera_signer_sign(s, NULL, 0, 1700000000, token, sizeof token, &n) == TESSERA_OK);
  tessera_signer_free(s);
}

static void hmac_raw(void) {
  tessera_key *k = NULL;
  watch("the raw secret", SECRET32, strlen(SECRET32));
  watch_hmac256(SECRET32, strlen(SECRET32));
  armed = 1;
  CHECK("hmac key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, strlen(SECRET32), "k", &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("HS256 key from raw bytes, used and freed", 0);
}

static void hmac_jwk(void) {
  tessera_key *k = NULL;
  tessera_keyset *set = NULL;
  char token[2048];
  size_t n = 0;
  watch("the raw secret", SECRET64, 64);
  watch_hmac512(SECRET64, 64, 0);
  watch_member(OCT_JWK, "k");
  armed = 1;
  CHECK("oct jwk", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, OCT_JWK, strlen(OCT_JWK), &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("HS512 key from an oct JWK, used and freed", 0);

  watch("the raw secret", SECRET64, 64);
  watch_hmac512(SECRET64, 64, 1);
  watch_member(OCT_JWKS_384, "k");
  armed = 1;
  CHECK("oct jwks", tessera_keyset_new_jwks(OCT_JWKS_384, strlen(OCT_JWKS_384), &set) == TESSERA_OK);
  CHECK("hs384 key", tessera_key_new_hmac(TESSERA_HS384, SECRET64, 64, "oct-2", &k) == TESSERA_OK);
  CHECK("hs384 token", tessera_jwt_sign(k, CLAIMS_EXP, strlen(CLAIMS_EXP), token, sizeof token, &n) == TESSERA_OK);
  CHECK("verify by set", tessera_jwt_verify_keyset(set, token, n, NULL, NULL, 0, NULL) == TESSERA_OK);
  tessera_key_free(k);
  tessera_keyset_free(set);
  verdict("HS384 key set from a JWKS, used and freed", 0);
}

static void one_off_macs(void) {
  char out[256];
  size_t n = 0;
  watch("the raw secret", SECRET32, strlen(SECRET32));
  watch_hmac256(SECRET32, strlen(SECRET32));
  armed = 1;
  CHECK("credential", tessera_credential_json(SECRET32, strlen(SECRET32), "peer", 4, 1700000000, 600, out, sizeof out, &n) ==
                          TESSERA_OK);
  CHECK("credential sign", tessera_credential_sign(SECRET32, strlen(SECRET32), "peer", 4, 1700000000, 600, out, sizeof out,
                                                   &n) == TESSERA_OK);
  CHECK("credential verify", tessera_credential_verify(SECRET32, strlen(SECRET32), "peer", 4, 1700000000, 600, out, n,
                                                       1700000001) == TESSERA_OK);
  CHECK("turn", tessera_turn_password(SECRET32, strlen(SECRET32), "1700000600:peer", 15, out, sizeof out, &n) == TESSERA_OK);
  verdict("credentials and TURN passwords", 0);
}

/* The EC scalar as OpenSSL's BIGNUM parameters carry it: little-endian. */
static void watch_ec_scalar(void) {
  unsigned char le[sizeof EC_D];
  size_t i;
  for (i = 0; i < sizeof EC_D; i++) le[i] = EC_D[sizeof EC_D - 1 - i];
  watch("the EC private scalar", EC_D, sizeof EC_D);
  watch("the EC private scalar (little-endian)", le, sizeof le);
}

static void private_keys(void) {
  tessera_key *k = NULL;
  static const char *const rsa_members[] = {"d", "p", "q", "dp", "dq", "qi"};
  size_t m;
  for (m = 0; m < sizeof rsa_members / sizeof rsa_members[0]; m++) watch_member(RSA_JWK, rsa_members[m]);
  armed = 1;
  CHECK("rsa jwk", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, RSA_JWK, strlen(RSA_JWK), &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("RS256 private key from a JWK, used and freed", 0);

  watch_ec_scalar();
  watch_member(EC_JWK, "d");
  armed = 1;
  CHECK("ec jwk", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, EC_JWK, strlen(EC_JWK), &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("ES256 private key from a JWK, used and freed", 0);

  watch_ec_scalar();
  watch_member(EC_JWK, "d");
  watch("the base64url text of d after its escape", "QIpj8kv9azEA-f9OjNve6xhEWu2AmJyFLesmycGxaQ", 42);
  armed = 1;
  CHECK("ec jwk, d escaped", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, EC_JWK_ESCAPED, strlen(EC_JWK_ESCAPED), &k) ==
                                 TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("ES256 private key from a JWK whose d holds an escape, used and freed", 0);

  watch("the Ed25519 private key", ED_SEED, sizeof ED_SEED);
  watch_member(ED_JWK, "d");
  armed = 1;
  CHECK("ed jwk", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, ED_JWK, strlen(ED_JWK), &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("EdDSA private key from a JWK, used and freed", 0);

  watch_ec_scalar();
  armed = 1;
  CHECK("ec pem", tessera_key_new_pem(TESSERA_ES256, EC_PEM, strlen(EC_PEM), NULL, &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("ES256 private key from SEC1 PEM, used and freed", 1);

  watch("the Ed25519 private key", ED_SEED, sizeof ED_SEED);
  armed = 1;
  CHECK("ed pem", tessera_key_new_pem(TESSERA_EDDSA, ED_PEM, strlen(ED_PEM), NULL, &k) == TESSERA_OK);
  use(k);
  tessera_key_free(k);
  verdict("EdDSA private key from PKCS#8 PEM, used and freed", 1);
}

int main(void) {
  control();
  hmac_raw();
  hmac_jwk();
  one_off_macs();
  private_keys();
  if (openssl_notes)
    printf("(%d scenario(s) above: OpenSSL's PEM/DER decoding leaves freed copies that Tessera cannot reach)\n", openssl_notes);
  return REPORT("test_wipe");
}
