/*
 * Internal to Tessera: the JSON checker's runs of plain string bytes and of
 * digits, sixteen bytes per step with SSE2 (part of every x86-64 CPU).
 * Inline, so Swift compiles them into the checker. Not installed.
 */
#ifndef TESSERA_JSON_H
#define TESSERA_JSON_H

#if defined(__x86_64__)
#include <emmintrin.h>
#include <stdint.h>

/* Bit k set where byte k of the 16 at q is flagged: for plain runs, a
 * byte below 0x20 or from 0x80 up (both below 0x20 as signed bytes), '"'
 * or '\\'; for digit runs, any byte but '0'-'9'. */
__attribute__((always_inline)) static inline unsigned tessera__json_flags16(const unsigned char *_Nonnull q, int digits) {
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
  __m128i m;
  if (digits) {
    m = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8('0')), _mm_cmpgt_epi8(x, _mm_set1_epi8('9')));
  } else {
    m = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
  }
  return (unsigned)_mm_movemask_epi8(m);
}

/* The end of the run starting at p[i] of bytes that are not flagged (see
 * above), within n: the offset of the first flagged byte, or n. Needs
 * n >= 16 (the last step reads the 16 bytes that end at n, ignoring those
 * before i); reads nothing outside p[0..<n]. */
__attribute__((always_inline)) static inline long tessera__json_run16(const unsigned char *_Nonnull p, long i, long n, int digits) {
  while (n - i >= 16) {
    unsigned bits = tessera__json_flags16(p + i, digits);
    if (bits != 0) return i + __builtin_ctz(bits);
    i += 16;
  }
  if (i >= n) return n;
  unsigned bits = tessera__json_flags16(p + n - 16, digits) >> (16 - (n - i));
  return bits != 0 ? i + __builtin_ctz(bits) : n;
}
#endif

#endif
