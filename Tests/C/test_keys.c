/*
 * Keys through the C API: PEM and DER forms made by `openssl` (run.sh makes
 * them in argv[1]), JWK keys, generated keys, key sets, and every refusal.
 * Tokens signed here, with their public keys, are written to argv[2] for
 * Tests/interop/verify_tokens.py to check with independent implementations:
 *   TOKEN <alg> <token> <public key file or -> <public JWK>
 *   JWKS <exported JWKS>
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *dir;
static FILE *report;

/* Loads a PEM or DER file from the key directory. */
static int load(tessera_alg alg, const char *name, const char *kid, tessera_key **out) {
  size_t len = 0;
  char *pem = read_file(dir, name, &len);
  int rc;
  if (!pem) {
    printf("FAIL cannot read %s/%s\n", dir, name);
    failed++;
    return TESSERA_E_ARGUMENT;
  }
  rc = tessera_key_new_pem(alg, pem, len, kid, out);
  free(pem);
  return rc;
}

/* Signs a token with `key`, writes it with its public forms to the report. */
static void sign_and_report(const char *what, tessera_key *key, const char *pubfile) {
  char token[4096], jwk[4096];
  size_t n = 0, jn = 0;
  const char *claims = "{\"iss\":\"ops@example.com\",\"aud\":\"interop\"}";
  int rc = tessera_jwt_issue(key, claims, strlen(claims), tessera_now(), 600, TESSERA_ISSUE_JTI, token, sizeof token, &n);
  CHECK(what, rc == TESSERA_OK && n == strlen(token));
  CHECK("export public JWK", tessera_key_export_jwk(key, jwk, sizeof jwk, &jn) == TESSERA_OK);
  CHECK("no private member", strstr(jwk, "\"d\"") == NULL && strstr(jwk, "\"p\"") == NULL && strstr(jwk, "\"qi\"") == NULL);
  if (rc == TESSERA_OK) fprintf(report, "TOKEN %s %s %s %s\n", tessera_alg_name(tessera_key_alg(key)), token, pubfile, jwk);
}

static const struct {
  tessera_alg alg;
  const char *priv;
  const char *pub;
} PEM_KEYS[] = {
    {TESSERA_RS256, "rsa_pkcs8.pem", "rsa_spki.pem"},      /* openssl genrsa (PKCS#8) */
    {TESSERA_RS384, "rsa_pkcs1.pem", "rsa_pkcs1_pub.pem"}, /* genrsa -traditional, rsa -RSAPublicKey_out */
    {TESSERA_RS512, "rsa3072.pem", "rsa3072_spki.pem"},
    {TESSERA_PS256, "rsa_pkcs8.pem", "rsa_spki.pem"},
    {TESSERA_PS384, "rsa_pkcs1.pem", "rsa_pkcs1_pub.pem"},
    {TESSERA_PS512, "rsa_pkcs8.der", "rsa_spki.der"},      /* DER forms */
    {TESSERA_ES256, "ec256_sec1.pem", "ec256_spki.pem"},   /* openssl ecparam -genkey (SEC1) */
    {TESSERA_ES384, "ec384_pkcs8.pem", "ec384_spki.pem"},  /* openssl genpkey */
    {TESSERA_ES512, "ec521_sec1.pem", "ec521_spki.pem"},
    {TESSERA_EDDSA, "ed25519.pem", "ed25519_spki.pem"},
};

static void test_pem_keys(void) {
  size_t i;
  for (i = 0; i < sizeof PEM_KEYS / sizeof PEM_KEYS[0]; i++) {
    tessera_key *priv = NULL, *pub = NULL;
    char token[2048];
    size_t n = 0;
    CHECK("load private PEM", load(PEM_KEYS[i].alg, PEM_KEYS[i].priv, "pem-1", &priv) == TESSERA_OK);
    CHECK("private key alg", tessera_key_alg(priv) == PEM_KEYS[i].alg);
    CHECK("load public PEM", load(PEM_KEYS[i].alg, PEM_KEYS[i].pub, NULL, &pub) == TESSERA_OK);
    if (priv) sign_and_report("sign with PEM key", priv, PEM_KEYS[i].pub);
    /* A public key verifies only. */
    CHECK("public key cannot sign", tessera_jwt_sign(pub, "{}", 2, token, sizeof token, &n) == TESSERA_E_KEY);
    CHECK("public key detail", strstr(tessera_last_error(), "public") != NULL);
    CHECK("public key size query refused too", tessera_jwt_sign(pub, "{}", 2, NULL, 0, &n) == TESSERA_E_KEY);
    {
      /* Thumbprints of the private and public forms agree. */
      char t1[64], t2[64];
      size_t l1 = 0, l2 = 0;
      CHECK("thumbprint", tessera_key_thumbprint(priv, t1, sizeof t1, &l1) == TESSERA_OK && l1 == 43);
      CHECK("thumbprint pub", tessera_key_thumbprint(pub, t2, sizeof t2, &l2) == TESSERA_OK && strcmp(t1, t2) == 0);
    }
    tessera_key_free(priv);
    tessera_key_free(pub);
  }
}

static void test_generated_and_jwk_keys(void) {
  tessera_alg alg;
  for (alg = TESSERA_RS256; alg <= TESSERA_EDDSA; alg = (tessera_alg)(alg + 1)) {
    tessera_key *gen = NULL, *pub = NULL;
    char jwk[4096], token[2048];
    size_t n = 0;
    CHECK("generate", tessera_key_generate(alg, NULL, &gen) == TESSERA_OK && tessera_key_alg(gen) == alg);
    if (!gen) continue;
    sign_and_report("sign with generated key", gen, "-");
    /* The exported JWK (kid = thumbprint) loads back as a verify-only key. */
    CHECK("export", tessera_key_export_jwk(gen, jwk, sizeof jwk, &n) == TESSERA_OK);
    CHECK("exported JWK has use and alg", strstr(jwk, "\"use\":\"sig\"") != NULL && strstr(jwk, "\"alg\":\"") != NULL);
    CHECK("load exported JWK", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, jwk, n, &pub) == TESSERA_OK);
    CHECK("JWK alg", tessera_key_alg(pub) == alg);
    CHECK("JWK public cannot sign", tessera_jwt_sign(pub, "{}", 2, token, sizeof token, &n) == TESSERA_E_KEY);
    tessera_key_free(gen);
    tessera_key_free(pub);
  }
  {
    /* A private JWK signs (RFC 8037 A.1, deterministic: A.4's signature). */
    const char *ed = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
                     "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"rfc8037\"}";
    tessera_key *k = NULL;
    char tp[64];
    size_t n = 0;
    CHECK("private OKP JWK", tessera_key_new_jwk(TESSERA_EDDSA, ed, strlen(ed), &k) == TESSERA_OK);
    CHECK("RFC 8037 thumbprint", tessera_key_thumbprint(k, tp, sizeof tp, &n) == TESSERA_OK &&
                                     strcmp(tp, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k") == 0);
    if (k) sign_and_report("sign with JWK key", k, "-");
    tessera_key_free(k);
  }
  {
    /* An oct JWK is an HMAC key; it has no public form. */
    const char *oct = "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\","
                      "\"alg\":\"HS256\",\"kid\":\"hmac-1\"}";
    tessera_key *k = NULL;
    char out[512];
    size_t n = 0;
    CHECK("oct JWK", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, oct, strlen(oct), &k) == TESSERA_OK);
    CHECK("oct alg", tessera_key_alg(k) == TESSERA_HS256);
    CHECK("oct signs", tessera_jwt_sign(k, "{}", 2, out, sizeof out, &n) == TESSERA_OK);
    CHECK("oct export refused", tessera_key_export_jwk(k, out, sizeof out, &n) == TESSERA_E_KEY);
    CHECK("oct thumbprint refused", tessera_key_thumbprint(k, out, sizeof out, &n) == TESSERA_E_KEY);
    tessera_key_free(k);
  }
  {
    tessera_key *k = NULL;
    CHECK("generate HS512", tessera_key_generate(TESSERA_HS512, "h", &k) == TESSERA_OK && tessera_key_alg(k) == TESSERA_HS512);
    tessera_key_free(k);
    CHECK("generate alg 0", tessera_key_generate((tessera_alg)0, NULL, &k) == TESSERA_E_ARGUMENT);
    CHECK("generate NULL out", tessera_key_generate(TESSERA_ES256, NULL, NULL) == TESSERA_E_ARGUMENT);
  }
}

static void test_keysets(void) {
  tessera_keyset *set = NULL, *back = NULL;
  tessera_key *a = NULL, *b = NULL, *h = NULL;
  char *jwks = malloc(65536);
  size_t n = 0, need = 0;
  CHECK("keyset_new", tessera_keyset_new(&set) == TESSERA_OK && tessera_keyset_size(set) == 0);
  CHECK("gen a", tessera_key_generate(TESSERA_ES256, "a", &a) == TESSERA_OK);
  CHECK("gen b", load(TESSERA_RS256, "rsa_pkcs8.pem", "b", &b) == TESSERA_OK);
  CHECK("gen h", tessera_key_generate(TESSERA_HS256, "h", &h) == TESSERA_OK);
  CHECK("add a", tessera_keyset_add(set, a) == TESSERA_OK);
  CHECK("add b", tessera_keyset_add(set, b) == TESSERA_OK);
  CHECK("add h", tessera_keyset_add(set, h) == TESSERA_OK);
  /* The set keeps its own references. */
  tessera_key_free(a);
  tessera_key_free(b);
  tessera_key_free(h);
  CHECK("size 3", tessera_keyset_size(set) == 3);
  CHECK("export size query", tessera_keyset_export_jwks(set, NULL, 0, &need) == TESSERA_E_BUFFER_TOO_SMALL && need > 100);
  CHECK("export", jwks && tessera_keyset_export_jwks(set, jwks, 65536, &n) == TESSERA_OK && n == need);
  if (jwks) {
    CHECK("export has both public keys", strstr(jwks, "\"kid\":\"a\"") && strstr(jwks, "\"kid\":\"b\""));
    CHECK("export leaves out HMAC", strstr(jwks, "\"kid\":\"h\"") == NULL && strstr(jwks, "oct") == NULL);
    fprintf(report, "JWKS %s\n", jwks);
    CHECK("re-read JWKS", tessera_keyset_new_jwks(jwks, n, &back) == TESSERA_OK && tessera_keyset_size(back) == 2);
  }
  CHECK("add NULL key", tessera_keyset_add(set, NULL) == TESSERA_E_ARGUMENT);
  CHECK("add to NULL", tessera_keyset_add(NULL, NULL) == TESSERA_E_ARGUMENT);
  CHECK("size NULL", tessera_keyset_size(NULL) == 0);
  CHECK("new NULL", tessera_keyset_new(NULL) == TESSERA_E_ARGUMENT);
  tessera_keyset_free(set);
  tessera_keyset_free(back);
  tessera_keyset_free(NULL);
  {
    /* Encryption keys and unknown algorithms are skipped; alg is inferred. */
    const char *mixed =
        "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
        "{\"kty\":\"EC\",\"alg\":\"ECDH-ES\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"ed\"}]}";
    tessera_keyset *m = NULL;
    CHECK("mixed JWKS", tessera_keyset_new_jwks(mixed, strlen(mixed), &m) == TESSERA_OK && tessera_keyset_size(m) == 1);
    tessera_keyset_free(m);
  }
  {
    static const char *bad[] = {"{\"keys\":[]}", "{}", "{\"keys\":{}}", "[]",
                                "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
                                "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}"};
    static const int want[] = {TESSERA_E_KEY, TESSERA_E_KEY, TESSERA_E_KEY, TESSERA_E_MALFORMED, TESSERA_E_KEY,
                               TESSERA_E_KEY};
    size_t i;
    tessera_keyset *m = (tessera_keyset *)&m;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      CHECK("bad JWKS", tessera_keyset_new_jwks(bad[i], strlen(bad[i]), &m) == want[i] && m == NULL);
    }
    CHECK("broken key detail names its index", strstr(tessera_last_error(), "#0") != NULL);
  }
  free(jwks);
}

static void test_refusals(void) {
  tessera_key *k = (tessera_key *)&k;
  size_t len = 0;
  char *pem;
  const char *garbage = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";

  CHECK("RSA 1024", load(TESSERA_RS256, "rsa1024.pem", NULL, &k) == TESSERA_E_KEY && k == NULL);
  CHECK("RSA 1024 detail", strstr(tessera_last_error(), "1024") != NULL && strstr(tessera_last_error(), "2048") != NULL);
  CHECK("RSA 1024 public", load(TESSERA_PS256, "rsa1024_spki.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("P-384 key for ES256", load(TESSERA_ES256, "ec384_pkcs8.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("curve detail", strstr(tessera_last_error(), "P-256") != NULL);
  CHECK("P-256 key for ES512", load(TESSERA_ES512, "ec256_sec1.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("secp256k1 for ES256", load(TESSERA_ES256, "ec256k1.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("RSA key for ES256", load(TESSERA_ES256, "rsa_pkcs8.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("EC key for RS256", load(TESSERA_RS256, "ec256_sec1.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("Ed25519 key for ES256", load(TESSERA_ES256, "ed25519.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("EC key for EdDSA", load(TESSERA_EDDSA, "ec256_sec1.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("PEM for HS256", load(TESSERA_HS256, "rsa_pkcs8.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("encrypted PEM", load(TESSERA_RS256, "rsa_encrypted.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("encrypted detail", strstr(tessera_last_error(), "encrypted") != NULL);
  CHECK("encrypted legacy PEM", load(TESSERA_RS256, "rsa_encrypted_legacy.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("truncated PEM", load(TESSERA_RS256, "rsa_truncated.pem", NULL, &k) == TESSERA_E_KEY);
  CHECK("truncated DER", load(TESSERA_RS256, "rsa_truncated.der", NULL, &k) == TESSERA_E_KEY);
  CHECK("garbage PEM", tessera_key_new_pem(TESSERA_RS256, garbage, strlen(garbage), NULL, &k) == TESSERA_E_KEY);
  CHECK("garbage bytes", tessera_key_new_pem(TESSERA_RS256, "\x30\x82\x01", 3, NULL, &k) == TESSERA_E_KEY);
  CHECK("empty PEM", tessera_key_new_pem(TESSERA_RS256, "", 0, NULL, &k) == TESSERA_E_KEY);
  CHECK("NULL PEM", tessera_key_new_pem(TESSERA_RS256, NULL, 5, NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("PEM alg 0", tessera_key_new_pem((tessera_alg)0, garbage, strlen(garbage), NULL, &k) == TESSERA_E_ARGUMENT);
  CHECK("PEM NULL out", tessera_key_new_pem(TESSERA_RS256, garbage, strlen(garbage), NULL, NULL) == TESSERA_E_ARGUMENT);

  /* Algorithm confusion: asymmetric key documents as HMAC secrets. */
  pem = read_file(dir, "rsa_spki.pem", &len);
  CHECK("public PEM as HMAC secret", pem && tessera_key_new_hmac(TESSERA_HS256, pem, len, NULL, &k) == TESSERA_E_KEY);
  free(pem);
  pem = read_file(dir, "ed25519.pem", &len);
  CHECK("private PEM as HMAC secret", pem && tessera_key_new_hmac(TESSERA_HS512, pem, len, NULL, &k) == TESSERA_E_KEY);
  free(pem);
  {
    tessera_key *g = NULL;
    char jwk[4096];
    size_t n = 0;
    CHECK("gen for JWK", tessera_key_generate(TESSERA_RS256, NULL, &g) == TESSERA_OK);
    CHECK("JWK", tessera_key_export_jwk(g, jwk, sizeof jwk, &n) == TESSERA_OK);
    CHECK("JWK as HMAC secret", tessera_key_new_hmac(TESSERA_HS256, jwk, n, NULL, &k) == TESSERA_E_KEY);
    CHECK("JWK as oct k? no: a JWK is not PEM", tessera_key_new_pem(TESSERA_RS256, jwk, n, NULL, &k) == TESSERA_E_KEY);
    tessera_key_free(g);
  }

  /* JWK rules. */
  {
    const char *enc = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"enc\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    const char *ops = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"key_ops\":[\"encrypt\"],\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    const char *noalg = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    const char *other = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    const char *ed448 = "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    const char *small = "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}";
    CHECK("JWK use enc", tessera_key_new_jwk(TESSERA_EDDSA, enc, strlen(enc), &k) == TESSERA_E_KEY);
    CHECK("JWK use detail", strstr(tessera_last_error(), "use") != NULL);
    CHECK("JWK key_ops", tessera_key_new_jwk(TESSERA_EDDSA, ops, strlen(ops), &k) == TESSERA_E_KEY);
    CHECK("JWK without alg, alg 0", tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, noalg, strlen(noalg), &k) == TESSERA_E_ARGUMENT);
    CHECK("JWK alg disagrees", tessera_key_new_jwk(TESSERA_ES256, other, strlen(other), &k) == TESSERA_E_ALGORITHM);
    CHECK("JWK Ed448", tessera_key_new_jwk(TESSERA_EDDSA, ed448, strlen(ed448), &k) == TESSERA_E_KEY);
    CHECK("JWK RSA too small", tessera_key_new_jwk(TESSERA_RS256, small, strlen(small), &k) == TESSERA_E_KEY);
    CHECK("JWK malformed", tessera_key_new_jwk(TESSERA_RS256, "{\"kty\"", 6, &k) == TESSERA_E_MALFORMED);
    CHECK("JWK duplicate member", tessera_key_new_jwk(TESSERA_RS256, "{\"kty\":\"RSA\",\"kty\":\"EC\"}", 25, &k) == TESSERA_E_MALFORMED);
    CHECK("JWK NULL", tessera_key_new_jwk(TESSERA_RS256, NULL, 5, &k) == TESSERA_E_ARGUMENT);
    CHECK("JWK alg 99", tessera_key_new_jwk((tessera_alg)99, other, strlen(other), &k) == TESSERA_E_ARGUMENT);
    CHECK("still NULL after refusals", k == NULL);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s KEY_DIR REPORT_FILE\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  report = fopen(argv[2], "w");
  if (!report) {
    perror(argv[2]);
    return 2;
  }
  test_pem_keys();
  test_generated_and_jwk_keys();
  test_keysets();
  test_refusals();
  fclose(report);
  return REPORT("test_keys");
}
