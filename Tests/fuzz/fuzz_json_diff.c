/* The JSON check (tessera_jwt_sign's claims, the same checker verification
 * runs on headers and claims) against jansson, an independent strict parser,
 * with duplicate names refused (JSON_REJECT_DUPLICATES). Invariants:
 *   - claims Tessera accepts, jansson parses as one object;
 *   - an object jansson parses, Tessera accepts, unless it passes one of
 *     Tessera's documented limits: nesting deeper than 64 or a number
 *     literal over 100 characters (its detail says which);
 *   - where jansson refuses what Tessera accepts, only for what jansson
 *     cannot represent: a number beyond a double's range, a name holding
 *     U+0000;
 *   - input holding a raw NUL byte (never JSON) is refused, without asking
 *     jansson, whose buffer reader accepts some.
 * Any other disagreement is a bug in one checker or the other, and crashes
 * with the input. */
#include <jansson.h>

#include "fuzz.h"

static char token[2 * TESSERA_TOKEN_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera_key *k = fuzz_signing_key(TESSERA_HS256);
  size_t n = 0;
  int rc = tessera_jwt_sign(k, (const char *)data, size, token, sizeof token, &n);
  if (memchr(data, 0, size) != NULL) {
    /* No JSON text holds a raw NUL (in a string it must be escaped), but
     * jansson's buffer reader stops short of refusing some: decided here. */
    FUZZ_ASSERT(rc == TESSERA_E_MALFORMED, "claims with a raw NUL byte are refused");
    return 0;
  }
  json_error_t error;
  json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                           &error);
  int object = doc != NULL && json_is_object(doc);
  if (rc == TESSERA_OK) {
    if (doc == NULL) {
      enum json_error_code code = json_error_code(&error);
      FUZZ_ASSERT(code == json_error_numeric_overflow || code == json_error_null_byte_in_key,
                  "claims Tessera accepts are JSON jansson parses (or cannot represent)");
    } else {
      FUZZ_ASSERT(object, "claims Tessera accepts are a JSON object");
    }
  } else {
    FUZZ_ASSERT(rc == TESSERA_E_MALFORMED, "claims are refused only as malformed");
    if (object) {
      const char *detail = tessera_last_error();
      FUZZ_ASSERT(strstr(detail, "nested deeper than the limit") != NULL ||
                      strstr(detail, "number longer than 100 characters") != NULL,
                  "an object jansson parses is refused only for Tessera's own limits");
    }
  }
  json_decref(doc);
  return 0;
}
