/* tessera_key_new_jwk on arbitrary JSON, with the algorithm from the JWK
 * and with one chosen by the first byte. Invariants: no crash; a key that
 * can sign makes tokens it verifies; its public JWK parses back to a key
 * that verifies the same token, with the same thumbprint. */
#include "fuzz.h"

static void exercise(tessera_key *k) {
  char token[16384], jwk[16384], t1[64], t2[64];
  size_t n = 0, j = 0, l1 = 0, l2 = 0;
  tessera_key *pub = NULL;
  int signed_ok = tessera_jwt_sign(k, "{\"exp\":4102444800}", 18, token, sizeof token, &n) == TESSERA_OK;
  if (signed_ok) FUZZ_OK(tessera_jwt_verify(k, token, n, NULL, NULL, 0, NULL));
  if (tessera_key_export_jwk(k, jwk, sizeof jwk, &j) != TESSERA_OK) return; /* HMAC keys */
  FUZZ_OK(tessera_key_new_jwk(tessera_key_alg(k), jwk, j, &pub));
  if (signed_ok) FUZZ_OK(tessera_jwt_verify(pub, token, n, NULL, NULL, 0, NULL));
  FUZZ_OK(tessera_key_thumbprint(k, t1, sizeof t1, &l1));
  FUZZ_OK(tessera_key_thumbprint(pub, t2, sizeof t2, &l2));
  FUZZ_ASSERT(l1 == 43 && l1 == l2 && memcmp(t1, t2, l1) == 0, "the public JWK has the key's thumbprint");
  tessera_key_free(pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera_key *k = NULL;
  if (tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, (const char *)data, size, &k) == TESSERA_OK) {
    exercise(k);
    tessera_key_free(k);
  } else {
    FUZZ_ASSERT(k == NULL, "no key on failure");
  }
  if (size > 0 && tessera_key_new_jwk(fuzz_alg(data[0]), (const char *)data + 1, size - 1, &k) == TESSERA_OK) {
    FUZZ_ASSERT(tessera_key_alg(k) == fuzz_alg(data[0]), "the key has the algorithm asked for");
    exercise(k);
    tessera_key_free(k);
  }
  return 0;
}
