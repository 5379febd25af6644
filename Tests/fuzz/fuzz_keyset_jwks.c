/* tessera_keyset_new_jwks on arbitrary JSON. Invariants: no crash; a set
 * that parses has keys, exports, and its export parses back to the same
 * number of keys and the same export. */
#include "fuzz.h"

static char out[1 << 20], again[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera_keyset *set = NULL, *back = NULL;
  size_t n = 0, m = 0;
  int rc = tessera_keyset_new_jwks((const char *)data, size, &set);
  if (rc != TESSERA_OK) {
    FUZZ_ASSERT(set == NULL, "no set on failure");
    return 0;
  }
  FUZZ_ASSERT(tessera_keyset_size(set) > 0, "a parsed set is not empty");
  rc = tessera_keyset_export_jwks(set, out, sizeof out, &n);
  /* Secret (oct) keys are never exported: a set of them alone exports
   * {"keys":[]}, which is no key set to parse. */
  if (rc == TESSERA_OK && strcmp(out, "{\"keys\":[]}") != 0) {
    FUZZ_OK(tessera_keyset_new_jwks(out, n, &back));
    FUZZ_OK(tessera_keyset_export_jwks(back, again, sizeof again, &m));
    FUZZ_ASSERT(m == n && memcmp(out, again, n) == 0, "export, parse, export is stable");
    tessera_keyset_free(back);
  } else {
    FUZZ_OK(rc);
  }
  tessera_keyset_free(set);
  return 0;
}
