/* tessera_key_new_pem on arbitrary bytes (PEM or DER), the algorithm chosen
 * by the first byte. Invariants: no crash; a key that loads has that
 * algorithm, and if it can sign, verifies its own token. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera_key *k = NULL;
  char token[16384], jwk[16384];
  size_t n = 0;
  tessera_alg alg;
  if (size < 1) return 0;
  alg = fuzz_alg(data[0]);
  if (tessera_key_new_pem(alg, (const char *)data + 1, size - 1, NULL, &k) != TESSERA_OK) {
    FUZZ_ASSERT(k == NULL, "no key on failure");
    return 0;
  }
  FUZZ_ASSERT(tessera_key_alg(k) == alg, "the key has the algorithm asked for");
  if (tessera_jwt_sign(k, "{\"exp\":4102444800}", 18, token, sizeof token, &n) == TESSERA_OK)
    FUZZ_OK(tessera_jwt_verify(k, token, n, NULL, NULL, 0, NULL));
  FUZZ_OK(tessera_key_export_jwk(k, jwk, sizeof jwk, &n));
  tessera_key_free(k);
  return 0;
}
