/* Base64 pair tables: for each 12-bit value v, the two characters that encode
 * it (alphabet[v >> 6] then alphabet[v & 63]) as one little-endian uint16_t,
 * so an encoder looks up two characters at a time. Built by the
 * preprocessor from the alphabets' rules: constant data, no setup. */
#include "include/tessera_base64.h"

/* Internal: the version script exports tessera_*, which would match. */
#if defined(__GNUC__)
#define TESSERA_HIDDEN __attribute__((visibility("hidden")))
#else
#define TESSERA_HIDDEN
#endif

/* The character of a 6-bit value in an alphabet whose last two characters
 * are c62 and c63: RFC 4648 §5 (base64url) '-' '_', §4 (standard) '+' '/',
 * Tencent's '*' '-'. */
#define CHAR64(x, c62, c63) ((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + (x) - 26 : (x) < 62 ? '0' + (x) - 52 : \
                             (x) == 62 ? (c62) : (c63))

#define URL_PAIR(a, b) (uint16_t)(CHAR64(a, '-', '_') | CHAR64(b, '-', '_') << 8)
#define STD_PAIR(a, b) (uint16_t)(CHAR64(a, '+', '/') | CHAR64(b, '+', '/') << 8)
#define TENCENT_PAIR(a, b) (uint16_t)(CHAR64(a, '*', '-') | CHAR64(b, '*', '-') << 8)

/* The 64 pairs whose first character is a's, then all 64 first characters. */
#define ROW8(P, a, b) P(a, b), P(a, b + 1), P(a, b + 2), P(a, b + 3), P(a, b + 4), P(a, b + 5), P(a, b + 6), P(a, b + 7)
#define ROW(P, a) ROW8(P, a, 0), ROW8(P, a, 8), ROW8(P, a, 16), ROW8(P, a, 24), \
                  ROW8(P, a, 32), ROW8(P, a, 40), ROW8(P, a, 48), ROW8(P, a, 56)
#define ROWS8(P, a) ROW(P, a), ROW(P, a + 1), ROW(P, a + 2), ROW(P, a + 3), \
                    ROW(P, a + 4), ROW(P, a + 5), ROW(P, a + 6), ROW(P, a + 7)
#define TABLE(P) { ROWS8(P, 0), ROWS8(P, 8), ROWS8(P, 16), ROWS8(P, 24), \
                   ROWS8(P, 32), ROWS8(P, 40), ROWS8(P, 48), ROWS8(P, 56) }

/* In the order of TESSERA__B64_URL, _STANDARD and _TENCENT. */
TESSERA_HIDDEN const uint16_t tessera__b64_pair_tables[3][4096] = { TABLE(URL_PAIR), TABLE(STD_PAIR), TABLE(TENCENT_PAIR) };

/* Decoding tables for base64url: entry [k][c] is character c's 6-bit value
 * placed for position k of a four-character group (shifted left by
 * 18 - 6k), or bit 31 alone for a byte outside the alphabet, so a group
 * decodes as four lookups ORed together and any invalid character shows as
 * bit 31. */
#define URLVAL(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
                   (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : (c) == '-' ? 62 : (c) == '_' ? 63 : -1)
#define DEC(k, c) (URLVAL(c) < 0 ? UINT32_C(0x80000000) : (uint32_t)URLVAL(c) << (18 - 6 * (k)))
#define DEC8(k, c) DEC(k, c), DEC(k, c + 1), DEC(k, c + 2), DEC(k, c + 3), DEC(k, c + 4), DEC(k, c + 5), \
                   DEC(k, c + 6), DEC(k, c + 7)
#define DEC64(k, c) DEC8(k, c), DEC8(k, c + 8), DEC8(k, c + 16), DEC8(k, c + 24), DEC8(k, c + 32), \
                    DEC8(k, c + 40), DEC8(k, c + 48), DEC8(k, c + 56)
#define DEC256(k) { DEC64(k, 0), DEC64(k, 64), DEC64(k, 128), DEC64(k, 192) }

TESSERA_HIDDEN const uint32_t tessera__b64url_dec[4][256] = { DEC256(0), DEC256(1), DEC256(2), DEC256(3) };
