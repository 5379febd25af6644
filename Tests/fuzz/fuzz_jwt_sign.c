/* tessera_jwt_sign, tessera_jwt_issue and signer templates on arbitrary
 * claims. Invariants: no crash; whatever signs verifies, and the payload
 * that comes back is exactly the claims given; a template built from the
 * claims signs tokens that verify. */
#include "fuzz.h"

static char token[2 * TESSERA_TOKEN_MAX], payload[TESSERA_TOKEN_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera_key *k = fuzz_signing_key(TESSERA_HS256);
  tessera_signer *s = NULL;
  const char *claims = (const char *)data;
  size_t n = 0, m = 0;
  int rc = tessera_jwt_sign(k, claims, size, token, sizeof token, &n);
  if (rc == TESSERA_OK) {
    FUZZ_OK(tessera_jws_verify(k, token, n, NULL, payload, sizeof payload, &m));
    FUZZ_ASSERT(m == size && memcmp(payload, claims, size) == 0, "the payload is the claims, unchanged");
  } else {
    FUZZ_ASSERT(rc == TESSERA_E_MALFORMED, "claims are refused only as malformed");
  }
  if (tessera_jwt_issue(k, claims, size, 1700000000, 600, TESSERA_ISSUE_JTI | TESSERA_ISSUE_NBF, token, sizeof token, &n) ==
      TESSERA_OK) {
    FUZZ_ASSERT(rc == TESSERA_OK, "issue accepts only what sign accepts");
    FUZZ_OK(tessera_jws_verify(k, token, n, NULL, payload, sizeof payload, &m));
  }
  if (tessera_signer_new(k, claims, size, 600, TESSERA_ISSUE_JTI, &s) == TESSERA_OK) {
    FUZZ_ASSERT(rc == TESSERA_OK, "a template accepts only what sign accepts");
    FUZZ_OK(tessera_signer_sign(s, NULL, 0, 1700000000, token, sizeof token, &n));
    FUZZ_OK(tessera_jws_verify(k, token, n, NULL, payload, sizeof payload, &m));
    tessera_signer_free(s);
  }
  return 0;
}
