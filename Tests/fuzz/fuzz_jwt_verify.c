/* tessera_jwt_verify and tessera_jwt_verify_keyset on arbitrary tokens, with
 * the vector keys. Invariants: no crash, no sanitizer report; a token
 * accepted is accepted the same way by the key set and by the key alone,
 * and its claims fit the output; tessera_jwt_peek (step 1 alone) refuses a
 * token only as MALFORMED and only when verification refuses it the same
 * way, and reads the same claims from a token that verifies. */
#include <string.h>

#include "fuzz.h"

static char claims[TESSERA_TOKEN_MAX + 1];
static char peeked[TESSERA_TOKEN_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *token = (const char *)data;
  size_t n = 0, m = 0;
  int by_set = tessera_jwt_verify_keyset(fuzz_keyset(), token, size, fuzz_policy(), claims, sizeof claims, &n);
  if (by_set == TESSERA_OK) FUZZ_ASSERT(n < sizeof claims && claims[n] == '\0', "claims NUL-terminated");
  {
    size_t pn = 0;
    int peek = tessera_jwt_peek(token, size, NULL, 0, NULL, peeked, sizeof peeked, &pn);
    FUZZ_ASSERT(peek == TESSERA_OK || (peek == TESSERA_E_MALFORMED && by_set == peek), "peek refuses only what verify refuses in step 1");
    if (by_set == TESSERA_OK)
      FUZZ_ASSERT(peek == TESSERA_OK && pn == n && memcmp(peeked, claims, n + 1) == 0, "peek reads the verified claims");
  }
  /* Each signing key of ours, too: a fresh key verifies nothing it did not sign. */
  for (int a = 1; a <= FUZZ_ALGS; a += 4) {
    int rc = tessera_jwt_verify(fuzz_signing_key((tessera_alg)a), token, size, fuzz_policy(), claims, sizeof claims, &m);
    FUZZ_ASSERT(rc != TESSERA_OK, "a token not made with a freshly generated key verifies with it");
  }
  /* The verdict alone (no output buffer) agrees, with the claims' length;
   * a buffer one byte short is BUFFER_TOO_SMALL, after every check passed. */
  if (by_set == TESSERA_OK) {
    size_t need = 0;
    int rc = tessera_jwt_verify_keyset(fuzz_keyset(), token, size, fuzz_policy(), NULL, 0, &need);
    FUZZ_ASSERT(rc == TESSERA_OK && need == n, "verdict without an output buffer");
    rc = tessera_jwt_verify_keyset(fuzz_keyset(), token, size, fuzz_policy(), claims, n, &need);
    FUZZ_ASSERT(rc == TESSERA_E_BUFFER_TOO_SMALL && need == n, "a buffer without room for the NUL");
  }
  return 0;
}
