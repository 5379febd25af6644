/* Differential: random claims, signed and verified.
 *
 * The input drives a small generator that writes a valid JSON object (nested
 * objects and arrays, strings with escapes and multi-byte UTF-8, integers,
 * fractions, exponents, literals), so nearly every input reaches the signing
 * and verifying paths. For an algorithm picked by the first byte:
 *   - tessera_jwt_sign must accept the claims (they are valid JSON);
 *   - tessera_jwt_verify with the same key must accept the token and return
 *     exactly the claims;
 *   - a signer template made from the claims must give tokens that verify;
 *   - the token with one payload character changed must not verify.
 * Any mismatch aborts: libFuzzer keeps the input as a crash. */
#include "fuzz.h"

struct gen {
  const uint8_t *p;
  size_t left;
  char *out;
  size_t len, cap;
};

static unsigned take(struct gen *g) {
  if (!g->left) return 0;
  g->left--;
  return *g->p++;
}

static void put(struct gen *g, const char *s) {
  size_t n = strlen(s);
  if (g->len + n < g->cap) {
    memcpy(g->out + g->len, s, n);
    g->len += n;
  }
}

static void string(struct gen *g, int name) {
  static const char *pieces[] = {"a", "Z", "0", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
                                 "\\u0000", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9", "\xe2\x98\x83", "\xf0\x9f\x98\x80",
                                 "exp", "kid", "~", "."};
  unsigned n = take(g) % 12, i;
  put(g, name ? "\"c" : "\""); /* names start with 'c': never a registered claim the policy checks */
  for (i = 0; i < n; i++) put(g, pieces[take(g) % (sizeof pieces / sizeof *pieces)]);
  put(g, "\"");
}

static void value(struct gen *g, int depth);

static void container(struct gen *g, int depth, int object) {
  unsigned n = take(g) % 6, i;
  put(g, object ? "{" : "[");
  for (i = 0; i < n && g->left; i++) {
    char sep[8];
    if (i) put(g, ",");
    if (object) {
      string(g, 1);
      /* Distinct names (duplicates are refused, rightly): the member's index
       * goes last in its name, inside the closing quote. */
      snprintf(sep, sizeof sep, "%u", i);
      if (g->len && g->out[g->len - 1] == '"') g->len--;
      put(g, sep);
      put(g, "\":");
    }
    value(g, depth + 1);
  }
  put(g, object ? "}" : "]");
}

static void value(struct gen *g, int depth) {
  static const char *numbers[] = {"0", "-0", "1", "-1", "1.5", "-0.25e-3", "1E10", "12345678901234567890",
                                  "9007199254740993", "1e308", "4.9e-324", "123.456e+7"};
  char buf[32];
  switch (take(g) % (depth < 8 ? 9 : 6)) {
  case 0: put(g, "true"); break;
  case 1: put(g, "false"); break;
  case 2: put(g, "null"); break;
  case 3: put(g, numbers[take(g) % (sizeof numbers / sizeof *numbers)]); break;
  case 4:
    snprintf(buf, sizeof buf, "%u", take(g) << 8 | take(g));
    put(g, buf);
    break;
  case 5: string(g, 0); break;
  case 6: case 7: container(g, depth, 1); break;
  default: container(g, depth, 0); break;
  }
}

static char claims[1 << 16], token[1 << 17], back[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct gen g = {data, size, claims, 0, sizeof claims - 1};
  tessera_alg alg;
  tessera_key *k;
  tessera_signer *s = NULL;
  size_t n = 0, m = 0;
  if (size < 1) return 0;
  alg = fuzz_alg(take(&g));
  container(&g, 0, 1);
  claims[g.len] = '\0';
  if (g.len > 40000) return 0; /* its token would pass the 64 KiB limit */
  k = fuzz_signing_key(alg);

  FUZZ_OK(tessera_jwt_sign(k, claims, g.len, token, sizeof token, &n));
  FUZZ_OK(tessera_jwt_verify(k, token, n, fuzz_policy(), back, sizeof back, &m));
  FUZZ_ASSERT(m == g.len && memcmp(back, claims, m) == 0, "verify returns exactly the claims signed");

  FUZZ_OK(tessera_signer_new(k, claims, g.len, 600, 0, &s));
  FUZZ_OK(tessera_signer_sign(s, NULL, 0, 1300819000, token, sizeof token, &n));
  FUZZ_OK(tessera_jwt_verify(k, token, n, fuzz_policy(), NULL, 0, NULL));
  tessera_signer_free(s);

  {
    char *dot = memchr(token, '.', n), *mid;
    if (dot) {
      mid = dot + 1 + (size_t)(strchr(dot + 1, '.') - dot - 1) / 2;
      *mid = *mid == 'A' ? 'B' : 'A';
      FUZZ_ASSERT(tessera_jwt_verify(k, token, n, fuzz_policy(), NULL, 0, NULL) != TESSERA_OK,
                  "a token with a changed payload does not verify");
    }
  }
  return 0;
}
