/*
 * Internal to Tessera: the base64 tables (base64.c, constant data) and the
 * vector kernels. Not installed, not exported (hidden visibility). Every pointer here is
 * annotated, so Swift sees non-optional pointers.
 */
#ifndef TESSERA_BASE64_H
#define TESSERA_BASE64_H

#include <stddef.h>
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

/* Vector kernels (AVX-512 VBMI on 256-bit registers, or AVX2, where the CPU
 * and OS have them): whole blocks of
 * base64 in the alphabet whose last two characters are c62 and c63. Both
 * return how much of the input they consumed (0 where there is no vector
 * unit); the caller does the rest.
 *
 * encode: 24 bytes to 32 characters at a time while 28 bytes of s remain
 * (32 for VBMI); writes 4/3 of the count returned. */
__attribute__((visibility("hidden"))) size_t tessera__b64_encode_blocks(const uint8_t *_Nonnull s, size_t n,
                                                                        uint8_t *_Nonnull o, uint8_t c62, uint8_t c63);
/* decode: 32 characters (eight whole groups) to 24 bytes at a time, while
 * 32 characters remain and 24 bytes of the cap bytes at o, stopping before
 * a block holding a character outside the alphabet; writes 3/4 of the count
 * returned (and scratch up to 8 bytes beyond it, inside cap; with less room
 * the 24 bytes alone, never through a buffer: they may be a key's). A last group
 * of two or three characters is never in a block: its checks, and padding,
 * stay with the caller. */
__attribute__((visibility("hidden"))) size_t tessera__b64_decode_blocks(const uint8_t *_Nonnull s, size_t n,
                                                                        uint8_t *_Nonnull o, size_t cap, uint8_t c62,
                                                                        uint8_t c63);
/* 3 where the kernels use AVX-512 VBMI, 2 where AVX2, 1 where they
 * consume nothing. */
__attribute__((visibility("hidden"))) int tessera__b64_vector_level(void);
/* The kernels of one level (for tests): as above, the level's blocks where
 * the CPU has it (level <= tessera__b64_vector_level()), else nothing. The
 * AVX2 encoder takes blocks while 28 bytes remain, the VBMI one while 32
 * do (it loads 32; at 28 to 31 level 3 uses AVX2's). VBMI's tables hold the base64url, standard and Tencent
 * alphabets; another alphabet goes to the AVX2 kernels at level 3. */
__attribute__((visibility("hidden"))) size_t tessera__b64_encode_at(int level, const uint8_t *_Nonnull s, size_t n,
                                                                    uint8_t *_Nonnull o, uint8_t c62, uint8_t c63);
__attribute__((visibility("hidden"))) size_t tessera__b64_decode_at(int level, const uint8_t *_Nonnull s, size_t n,
                                                                    uint8_t *_Nonnull o, size_t cap, uint8_t c62,
                                                                    uint8_t c63);

#endif
