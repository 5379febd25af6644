/* Base64 support for Base64.swift. Pair tables: for each 12-bit value v, the
 * two characters that encode it (alphabet[v >> 6] then alphabet[v & 63]) as
 * one little-endian uint16_t, so an encoder looks up two characters at a
 * time; built by the preprocessor from the alphabets' rules, constant data,
 * no setup. Then the vector kernels (AVX2, AVX-512 VBMI), chosen by the CPU
 * level read once. */
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

/* ---- Vector kernels (x86-64 with AVX2, or AVX-512 VBMI) -------------------
 *
 * Whole blocks only: 24 bytes to 32 characters, 32 characters to 24 bytes.
 * The AVX2 kernels follow W. Muła and D. Lemire, "Faster Base64 Encoding and
 * Decoding Using AVX2 Instructions", ACM TWEB 12(3), 2018; the VBMI ones do
 * the same work with byte permutes (vpermb, vpermi2b) and vpmultishiftqb, on
 * 256-bit registers only (no 512-bit frequency licence). The callers
 * (Base64.swift) do the rest, and every strict check of a last group, in
 * their scalar loops. The CPU is asked once (cpuid, and xgetbv for the
 * state the OS saves); elsewhere, or without AVX2, the kernels consume
 * nothing. */
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

/* 3 with AVX-512 VBMI (and F, BW, VL), 2 with AVX2, else 1. */
static int cpu_level(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 1;
  if (!(c & (1u << 27)) || !(c & (1u << 28))) return 1; /* OSXSAVE, AVX */
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 6) != 6) return 1; /* the OS saves XMM and YMM state */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 1;
  if (!(b & (1u << 5))) return 1; /* AVX2 */
  unsigned avx512 = (1u << 16) | (1u << 30) | (1u << 31); /* F, BW, VL */
  if ((lo & 0xE0) == 0xE0 && (b & avx512) == avx512 && (c & (1u << 1))) return 3; /* opmask and ZMM state; VBMI */
  return 2;
}

/* 0 unknown, else cpu_level(). A race between two first callers stores the
 * same value. */
static atomic_int vector_level;

TESSERA_HIDDEN int tessera__b64_vector_level(void) {
  int level = atomic_load_explicit(&vector_level, memory_order_relaxed);
  if (level == 0) {
    level = cpu_level();
    atomic_store_explicit(&vector_level, level, memory_order_relaxed);
  }
  return level;
}

__attribute__((target("avx2"))) static size_t encode_avx2(const uint8_t *s, size_t n, uint8_t *o, uint8_t c62,
                                                          uint8_t c63) {
  /* Each 32-bit lane gets its group's bytes b0 b1 b2 as b1 b0 b2 b1. */
  const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                          1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  /* Offsets from a 6-bit value to its character, indexed by the class
   * computed below: 0 for 26-51, 1-10 for 52-61, 11 for 62, 12 for 63, 13
   * for 0-25. */
  const __m256i offsets = _mm256_setr_epi8(
      'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
      (char)(c62 - 62), (char)(c63 - 63), 'A', 0, 0,
      'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
      (char)(c62 - 62), (char)(c63 - 63), 'A', 0, 0);
  size_t i = 0;
  /* Two 16-byte loads, at i and i + 12, so 28 bytes must be readable. */
  while (n - i >= 28) {
    __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 12));
    __m256i in = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), spread);
    /* Bytes a b c d of each lane: b0 >> 2, (b0 & 3) << 4 | b1 >> 4,
     * (b1 & 15) << 2 | b2 >> 6, b2 & 63. */
    __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)), _mm256_set1_epi32(0x04000040));
    __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)), _mm256_set1_epi32(0x01000010));
    __m256i v = _mm256_or_si256(ac, bd);
    __m256i cls = _mm256_subs_epu8(v, _mm256_set1_epi8(51));
    cls = _mm256_or_si256(cls, _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), v), _mm256_set1_epi8(13)));
    __m256i chars = _mm256_add_epi8(v, _mm256_shuffle_epi8(offsets, cls));
    _mm256_storeu_si256((__m256i *)(void *)o, chars);
    i += 24;
    o += 32;
  }
  return i;
}

/* ch >= lo && ch <= hi, byte-wise (signed compares: bytes >= 0x80 are
 * negative and so in no range of ASCII). */
__attribute__((target("avx2"))) static inline __m256i in_range(__m256i ch, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(ch, _mm256_set1_epi8((char)(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(hi + 1)), ch));
}

__attribute__((target("avx2"))) static size_t decode_avx2(const uint8_t *s, size_t n, uint8_t *o, size_t cap,
                                                          uint8_t c62, uint8_t c63) {
  /* The three bytes of each 32-bit lane's 24-bit value, most significant
   * first, to the front of each 128-bit half; then the halves together. */
  const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                          2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  size_t i = 0, w = 0;
  /* 32 characters (eight whole groups) to 24 bytes, stored as 32 where
   * there are 32 bytes of room, else as 16 and 8. */
  while (n - i >= 32 && cap - w >= 24) {
    __m256i ch = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
    __m256i upper = in_range(ch, 'A', 'Z'), lower = in_range(ch, 'a', 'z'), digit = in_range(ch, '0', '9');
    __m256i e62 = _mm256_cmpeq_epi8(ch, _mm256_set1_epi8((char)c62));
    __m256i e63 = _mm256_cmpeq_epi8(ch, _mm256_set1_epi8((char)c63));
    __m256i valid = _mm256_or_si256(_mm256_or_si256(upper, lower), _mm256_or_si256(digit, _mm256_or_si256(e62, e63)));
    if ((unsigned)_mm256_movemask_epi8(valid) != 0xFFFFFFFFu) break; /* the caller finds and refuses it */
    __m256i delta = _mm256_and_si256(upper, _mm256_set1_epi8((char)(0 - 'A')));
    delta = _mm256_or_si256(delta, _mm256_and_si256(lower, _mm256_set1_epi8((char)(26 - 'a'))));
    delta = _mm256_or_si256(delta, _mm256_and_si256(digit, _mm256_set1_epi8((char)(52 - '0'))));
    delta = _mm256_or_si256(delta, _mm256_and_si256(e62, _mm256_set1_epi8((char)(62 - c62))));
    delta = _mm256_or_si256(delta, _mm256_and_si256(e63, _mm256_set1_epi8((char)(63 - c63))));
    __m256i v = _mm256_add_epi8(ch, delta);
    /* a b c d (6 bits each) to a << 18 | b << 12 | c << 6 | d per lane. */
    __m256i pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, gather), join);
    if (cap - w >= 32) {
      _mm256_storeu_si256((__m256i *)(void *)(o + w), bytes);
    } else {
      /* 16 bytes and 8: no copy through a buffer (the bytes may be a key's). */
      _mm_storeu_si128((__m128i *)(void *)(o + w), _mm256_castsi256_si128(bytes));
      _mm_storel_epi64((__m128i *)(void *)(o + w + 16), _mm256_extracti128_si256(bytes, 1));
    }
    i += 32;
    w += 24;
  }
  return i;
}

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* The three alphabets' 64 characters, and for decoding the value of each
 * ASCII byte in each alphabet (0x80 outside it), built by the preprocessor
 * like the tables above. */
#define ROW8X(P, x, y, b) P(x, y, b), P(x, y, b + 1), P(x, y, b + 2), P(x, y, b + 3), P(x, y, b + 4), P(x, y, b + 5), \
                          P(x, y, b + 6), P(x, y, b + 7)
#define ALPHA64(c62, c63) { ROW8X(A1, c62, c63, 0), ROW8X(A1, c62, c63, 8), ROW8X(A1, c62, c63, 16), ROW8X(A1, c62, c63, 24), \
                            ROW8X(A1, c62, c63, 32), ROW8X(A1, c62, c63, 40), ROW8X(A1, c62, c63, 48), ROW8X(A1, c62, c63, 56) }
#define A1(c62, c63, x) (uint8_t)CHAR64(x, c62, c63)
#define VAL(c, c62, c63) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
                          (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : (c) == (c62) ? 62 : (c) == (c63) ? 63 : 0x80)
#define V1(c62, c63, c) (uint8_t)VAL(c, c62, c63)
#define VALUES128(c62, c63) { ROW8X(V1, c62, c63, 0), ROW8X(V1, c62, c63, 8), ROW8X(V1, c62, c63, 16), ROW8X(V1, c62, c63, 24), \
                              ROW8X(V1, c62, c63, 32), ROW8X(V1, c62, c63, 40), ROW8X(V1, c62, c63, 48), ROW8X(V1, c62, c63, 56), \
                              ROW8X(V1, c62, c63, 64), ROW8X(V1, c62, c63, 72), ROW8X(V1, c62, c63, 80), ROW8X(V1, c62, c63, 88), \
                              ROW8X(V1, c62, c63, 96), ROW8X(V1, c62, c63, 104), ROW8X(V1, c62, c63, 112), ROW8X(V1, c62, c63, 120) }
static const uint8_t alphabets[3][64] = { ALPHA64('-', '_'), ALPHA64('+', '/'), ALPHA64('*', '-') };
static const uint8_t values[3][128] = { VALUES128('-', '_'), VALUES128('+', '/'), VALUES128('*', '-') };

/* Which of those tables is the alphabet ending in c62 c63, or -1. */
static int alphabet_index(uint8_t c62, uint8_t c63) {
  for (int k = 0; k < 3; k++) {
    if (alphabets[k][62] == c62 && alphabets[k][63] == c63) return k;
  }
  return -1;
}

VBMI static size_t encode_vbmi(const uint8_t *s, size_t n, uint8_t *o, const uint8_t *alphabet) {
  /* Group k's bytes b0 b1 b2 (input bytes 3k to 3k+2) as b1 b0 b2 b1 in
   * 32-bit lane k, as in the AVX2 kernel, but from anywhere in the load. */
  const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                          13, 12, 14, 13, 16, 15, 17, 16, 19, 18, 20, 19, 22, 21, 23, 22);
  /* The lane is b1 | b0 << 8 | b2 << 16 | b1 << 24: the four 6-bit values
   * start at bits 10, 4, 22 and 16 (and 32 more in the second lane of each
   * 64-bit word). */
  const __m256i fields = _mm256_set1_epi64x(0x3036242A1016040ALL);
  const __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)alphabet);
  const __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(alphabet + 32));
  size_t i = 0;
  /* One 32-byte load, of which 24 bytes are used. */
  while (n - i >= 32) {
    __m256i in = _mm256_permutexvar_epi8(spread, _mm256_loadu_si256((const __m256i *)(const void *)(s + i)));
    __m256i v = _mm256_multishift_epi64_epi8(fields, in);
    _mm256_storeu_si256((__m256i *)(void *)o, _mm256_permutex2var_epi8(lo, v, hi));
    i += 24;
    o += 32;
  }
  return i;
}

VBMI static size_t decode_vbmi(const uint8_t *s, size_t n, uint8_t *o, size_t cap, const uint8_t *value) {
  /* The value of each ASCII byte, four registers of 32 entries. */
  __m256i t[4];
  for (int k = 0; k < 4; k++) t[k] = _mm256_loadu_si256((const __m256i *)(const void *)(value + 32 * k));
  /* Each 32-bit lane's 24-bit value, most significant byte first, to the
   * first 24 bytes. */
  const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 18, 17, 16, 22, 21, 20,
                                          26, 25, 24, 30, 29, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i bit6 = _mm256_set1_epi8(0x40);
  size_t i = 0, w = 0;
  while (n - i >= 32 && cap - w >= 24) {
    __m256i ch = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
    __m256i low = _mm256_permutex2var_epi8(t[0], ch, t[1]);  /* by bits 0-5: 0x00-0x3F */
    __m256i high = _mm256_permutex2var_epi8(t[2], ch, t[3]); /* 0x40-0x7F */
    __m256i v = _mm256_mask_blend_epi8(_mm256_test_epi8_mask(ch, bit6), low, high);
    if (_mm256_movepi8_mask(_mm256_or_si256(v, ch)) != 0) break; /* 0x80 up, or outside: the caller refuses it */
    __m256i pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    __m256i bytes = _mm256_permutexvar_epi8(gather, groups);
    if (cap - w >= 32) {
      _mm256_storeu_si256((__m256i *)(void *)(o + w), bytes);
    } else {
      _mm256_mask_storeu_epi8(o + w, (__mmask32)0x00FFFFFFu, bytes); /* the 24 bytes alone */
    }
    i += 32;
    w += 24;
  }
  return i;
}

TESSERA_HIDDEN size_t tessera__b64_encode_at(int level, const uint8_t *s, size_t n, uint8_t *o, uint8_t c62,
                                             uint8_t c63) {
  if (level > tessera__b64_vector_level()) return 0;
  /* VBMI's tables hold the three alphabets; another goes to AVX2. */
  int k = level == 3 ? alphabet_index(c62, c63) : -1;
  if (k >= 0 && n >= 32) return encode_vbmi(s, n, o, alphabets[k]);
  if (level >= 2) return n >= 28 ? encode_avx2(s, n, o, c62, c63) : 0; /* and VBMI's 28-31 bytes */
  return 0;
}

TESSERA_HIDDEN size_t tessera__b64_decode_at(int level, const uint8_t *s, size_t n, uint8_t *o, size_t cap,
                                             uint8_t c62, uint8_t c63) {
  if (level > tessera__b64_vector_level() || n < 32 || cap < 24) return 0;
  int k = level == 3 ? alphabet_index(c62, c63) : -1;
  if (k >= 0) return decode_vbmi(s, n, o, cap, values[k]);
  if (level >= 2) return decode_avx2(s, n, o, cap, c62, c63);
  return 0;
}

TESSERA_HIDDEN size_t tessera__b64_encode_blocks(const uint8_t *s, size_t n, uint8_t *o, uint8_t c62, uint8_t c63) {
  return tessera__b64_encode_at(tessera__b64_vector_level(), s, n, o, c62, c63);
}

TESSERA_HIDDEN size_t tessera__b64_decode_blocks(const uint8_t *s, size_t n, uint8_t *o, size_t cap, uint8_t c62,
                                                 uint8_t c63) {
  return tessera__b64_decode_at(tessera__b64_vector_level(), s, n, o, cap, c62, c63);
}
#else
TESSERA_HIDDEN int tessera__b64_vector_level(void) { return 1; }
TESSERA_HIDDEN size_t tessera__b64_encode_at(int level, const uint8_t *s, size_t n, uint8_t *o, uint8_t c62,
                                             uint8_t c63) {
  (void)level, (void)s, (void)n, (void)o, (void)c62, (void)c63;
  return 0;
}
TESSERA_HIDDEN size_t tessera__b64_decode_at(int level, const uint8_t *s, size_t n, uint8_t *o, size_t cap,
                                             uint8_t c62, uint8_t c63) {
  (void)level, (void)s, (void)n, (void)o, (void)cap, (void)c62, (void)c63;
  return 0;
}
TESSERA_HIDDEN size_t tessera__b64_encode_blocks(const uint8_t *s, size_t n, uint8_t *o, uint8_t c62, uint8_t c63) {
  return tessera__b64_encode_at(1, s, n, o, c62, c63);
}
TESSERA_HIDDEN size_t tessera__b64_decode_blocks(const uint8_t *s, size_t n, uint8_t *o, size_t cap, uint8_t c62,
                                                 uint8_t c63) {
  return tessera__b64_decode_at(1, s, n, o, cap, c62, c63);
}
#endif
