/*
 * Internal to Tessera: the base64 tables (base64.c), constant data. Not
 * installed, not exported (hidden visibility). Every pointer here is
 * annotated, so Swift sees non-optional pointers.
 */
#ifndef TESSERA_BASE64_H
#define TESSERA_BASE64_H

#include <stdint.h>

#define TESSERA__B64_URL 0      /* RFC 4648 §5: base64url */
#define TESSERA__B64_STANDARD 1 /* RFC 4648 §4 */
#define TESSERA__B64_TENCENT 2  /* Tencent's UserSig variant: '*' and '-' for '+' and '/' */

/* The pair table of an alphabet (one of TESSERA__B64_*): entry v holds the
 * two characters of the 12-bit value v, the first in the low byte. */
static inline const uint16_t *_Nonnull tessera__b64_pairs(int alphabet) {
  extern __attribute__((visibility("hidden"))) const uint16_t tessera__b64_pair_tables[3][4096];
  return tessera__b64_pair_tables[alphabet == TESSERA__B64_STANDARD ? 1 : alphabet == TESSERA__B64_TENCENT ? 2 : 0];
}

/* The base64url decoding table: 4 x 256 entries, entry [k][c] the value of
 * character c placed for position k of a group (shifted left by 18 - 6k), or
 * 0x80000000 for a byte outside the alphabet. */
static inline const uint32_t *_Nonnull tessera__b64url_decoding(void) {
  extern __attribute__((visibility("hidden"))) const uint32_t tessera__b64url_dec[4][256];
  return &tessera__b64url_dec[0][0];
}

#endif
