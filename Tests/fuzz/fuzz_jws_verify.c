/* tessera_jws_verify on arbitrary input with the vector keys (non-JSON
 * payloads included). Invariants: no crash; an accepted JWS's payload fits
 * the output and is never longer than the input. */
#include "fuzz.h"

static char payload[TESSERA_TOKEN_MAX + 1];
static tessera_key *keys[8];
static int nkeys;

/* Each key of the vector JWKS on its own. */
static void load_keys(void) {
  const char *p = FUZZ_JWKS;
  while (nkeys < 8 && (p = strstr(p, "{\"kty\""))) {
    const char *end = strchr(p, '}');
    tessera_key *k = NULL;
    if (!end) break;
    if (tessera_key_new_jwk(TESSERA_ALG_UNSPECIFIED, p, (size_t)(end - p + 1), &k) == TESSERA_OK) keys[nkeys++] = k;
    p = end;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t n = 0;
  if (!nkeys) load_keys();
  for (int i = 0; i < nkeys; i++) {
    int rc = tessera_jws_verify(keys[i], (const char *)data, size, fuzz_policy(), payload, sizeof payload, &n);
    if (rc == TESSERA_OK) FUZZ_ASSERT(n <= size && n < sizeof payload, "payload no longer than the token");
  }
  return 0;
}
