/* status_category.h: the one name for each refusal a verifier reports, shared
 * by the example auth server (its JSON "category" and metrics) and the nginx
 * module ($tessera_jwt_error), so that the two say the same thing.
 * Header-only: each example includes it by relative path. */
#ifndef TESSERA_EXAMPLES_STATUS_CATEGORY_H
#define TESSERA_EXAMPLES_STATUS_CATEGORY_H

#include <tessera.h>

/* A Tessera status as a short category; "error" for any other status. */
static inline const char *tessera_status_category(int status) {
  switch (status) {
  case TESSERA_E_MALFORMED: return "malformed";
  case TESSERA_E_SIGNATURE: return "signature";
  case TESSERA_E_EXPIRED: return "expired";
  case TESSERA_E_NOT_YET_VALID: return "not_yet_valid";
  case TESSERA_E_ISSUED_IN_FUTURE: return "issued_in_future";
  case TESSERA_E_CLAIM: return "claim";
  case TESSERA_E_LIFETIME: return "lifetime";
  case TESSERA_E_KEY_NOT_FOUND: return "unknown_key";
  case TESSERA_E_ALGORITHM: return "algorithm";
  case TESSERA_E_KEY: return "key";
  default: return "error";
  }
}

#endif
