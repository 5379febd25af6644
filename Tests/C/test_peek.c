/*
 * tessera_jwt_peek: verification's step 1 and nothing more, into caller
 * buffers. Every malformed shape is refused with the status (and detail)
 * tessera_jwt_verify gives it; a valid token's header and claims come out
 * byte for byte; either part can be skipped; the output contract holds for
 * each part. Also the size functions, against their macros and against
 * the behaviour they describe.
 *
 * The hand-made segments below were encoded once with Python's
 * base64.urlsafe_b64encode (padding stripped); each comment gives the bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char SECRET32[] = "0123456789abcdef0123456789abcdef";

/* {"alg":"HS256","typ":"JWT"} */
#define H_HS256 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
/* {"sub":"alice"} */
#define P_ALICE "eyJzdWIiOiJhbGljZSJ9"

struct bad {
  const char *name;
  const char *token;
};

static const struct bad BAD[] = {
    {"one segment", "abc"},
    {"two segments", H_HS256 "." P_ALICE},
    {"four segments", H_HS256 "." P_ALICE ".c2ln.c2ln"},
    {"five segments (JWE)", H_HS256 "." P_ALICE ".a.b.c"},
    {"empty header segment", "." P_ALICE ".c2ln"},
    {"empty claims segment", H_HS256 "..c2ln"},
    {"padding in the header", H_HS256 "=." P_ALICE ".c2ln"},
    {"'+' in the signature", H_HS256 "." P_ALICE ".c2+n"},
    {"'/' in the claims", H_HS256 ".eyJzdWIiOiJhbGljZSJ/.c2ln"},
    {"a space in the claims", H_HS256 ".eyJzdWIiOiJh bGljZSJ9.c2ln"},
    {"a newline at the end", H_HS256 "." P_ALICE ".c2ln\n"},
    {"signature of impossible length", H_HS256 "." P_ALICE ".c2lna"},
    {"signature with unused bits set", H_HS256 "." P_ALICE ".c2l"},
    {"signature with a character outside the alphabet", H_HS256 "." P_ALICE ".c2*n"},
    /* hello */
    {"header not JSON", "aGVsbG8." P_ALICE ".c2ln"},
    /* ["alg"] */
    {"header an array", "WyJhbGciXQ." P_ALICE ".c2ln"},
    /* {"alg":"HS256","alg":"HS256"} */
    {"header with a duplicate member", "eyJhbGciOiJIUzI1NiIsImFsZyI6IkhTMjU2In0." P_ALICE ".c2ln"},
    /* {"alg":"HS256","\u0061lg":"HS256"} */
    {"header with an escaped duplicate", "eyJhbGciOiJIUzI1NiIsIlx1MDA2MWxnIjoiSFMyNTYifQ." P_ALICE ".c2ln"},
    /* {"alg":"HS256","x":"\xff"} */
    {"header with invalid UTF-8", "eyJhbGciOiJIUzI1NiIsIngiOiL_In0." P_ALICE ".c2ln"},
    /* {"alg":"HS256"} x */
    {"header with bytes after the object", "eyJhbGciOiJIUzI1NiJ9IHg." P_ALICE ".c2ln"},
    /* hello */
    {"claims not JSON", H_HS256 ".aGVsbG8.c2ln"},
    /* {"sub":"a","sub":"b"} */
    {"claims with a duplicate member", H_HS256 ".eyJzdWIiOiJhIiwic3ViIjoiYiJ9.c2ln"},
    /* {"sub":"\ud800"} */
    {"claims with a lone surrogate", H_HS256 ".eyJzdWIiOiJcdWQ4MDAifQ.c2ln"},
    /* {"sub":"a<U+0001>"} */
    {"claims with a control character", H_HS256 ".eyJzdWIiOiJhASJ9.c2ln"},
    /* {"exp":01} */
    {"claims with a leading zero", H_HS256 ".eyJleHAiOjAxfQ.c2ln"},
    /* {"a": then 64 '[', 64 ']', then }: 65 levels */
    {"claims nested deeper than TESSERA_JSON_DEPTH_MAX",
     H_HS256 ".eyJhIjpbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbXV1dXV1d"
             "XV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXX0.c2ln"},
};

/* peek and verify agree on a token verify refuses in step 1. */
static void check_refused(const tessera_key *key, const char *name, const char *token, size_t len) {
  char label[160], detail[512], header[64], claims[64];
  size_t hl = 99, cl = 99, vl = 99;
  int peek_rc, verify_rc;
  strcpy(header, "x");
  strcpy(claims, "x");
  peek_rc = tessera_jwt_peek(token, len, header, sizeof header, &hl, claims, sizeof claims, &cl);
  snprintf(detail, sizeof detail, "%s", tessera_last_error());
  verify_rc = tessera_jwt_verify(key, token, len, NULL, NULL, 0, &vl);
  snprintf(label, sizeof label, "peek refuses %s as MALFORMED", name);
  CHECK(label, peek_rc == TESSERA_E_MALFORMED);
  snprintf(label, sizeof label, "peek and verify agree on %s", name);
  CHECK(label, peek_rc == verify_rc && strcmp(detail, tessera_last_error()) == 0);
  snprintf(label, sizeof label, "peek leaves empty outputs on %s", name);
  CHECK(label, hl == 0 && cl == 0 && header[0] == '\0' && claims[0] == '\0');
}

static void test_refused(const tessera_key *key) {
  size_t i, n;
  char *big;
  for (i = 0; i < sizeof BAD / sizeof BAD[0]; i++) check_refused(key, BAD[i].name, BAD[i].token, strlen(BAD[i].token));
  check_refused(key, "an empty token", "", 0);

  /* One byte over the limit, otherwise a plausible shape. */
  n = tessera_token_max() + 1;
  big = malloc(n);
  CHECK("malloc", big != NULL);
  if (!big) return;
  memset(big, 'A', n);
  big[10] = '.';
  big[20] = '.';
  check_refused(key, "a token over TESSERA_TOKEN_MAX", big, n);
  free(big);

  /* Claims nested exactly TESSERA_JSON_DEPTH_MAX deep (the object and
   * depth - 1 arrays) sign and peek; one level more is in BAD above. */
  {
    char claims[512], token[2048], out[512];
    size_t depth = tessera_json_depth_max(), k, len = 0, tl = 0, ol = 0;
    len += (size_t)sprintf(claims, "{\"a\":");
    for (k = 1; k < depth; k++) claims[len++] = '[';
    for (k = 1; k < depth; k++) claims[len++] = ']';
    claims[len++] = '}';
    claims[len] = '\0';
    CHECK("claims nested TESSERA_JSON_DEPTH_MAX deep sign",
          tessera_jwt_sign(key, claims, len, token, sizeof token, &tl) == TESSERA_OK);
    CHECK("peek reads claims nested TESSERA_JSON_DEPTH_MAX deep",
          tessera_jwt_peek(token, tl, NULL, 0, NULL, out, sizeof out, &ol) == TESSERA_OK && ol == len &&
              memcmp(out, claims, len) == 0);
  }
}

static void test_valid(const tessera_key *key) {
  /* Claims with escapes and non-ASCII text, as the caller wrote them. */
  static const char claims[] =
      "{\"sub\":\"al\\u0069ce\",\"name\":\"Zo\xc3\xab\",\"n\":[1,2.5e3,{\"x\":null}],\"t\":true,"
      "\"exp\":4102444800}";
  static const char header_kid[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k-1\"}";
  char token[1024], header[256], out[256], verified[256];
  size_t tl = 0, hl = 0, cl = 0, vl = 0;
  tessera_key *kid_key = NULL;

  CHECK("sign", tessera_jwt_sign(key, claims, sizeof claims - 1, token, sizeof token, &tl) == TESSERA_OK);
  CHECK("peek a valid token",
        tessera_jwt_peek(token, tl, header, sizeof header, &hl, out, sizeof out, &cl) == TESSERA_OK);
  CHECK("peek: the header byte for byte", hl == 27 && strcmp(header, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") == 0);
  CHECK("peek: the claims byte for byte", cl == sizeof claims - 1 && memcmp(out, claims, cl) == 0 && out[cl] == '\0');
  CHECK("peek: empty detail after success", tessera_last_error()[0] == '\0');
  CHECK("verify gives the same claims",
        tessera_jwt_verify(key, token, tl, NULL, verified, sizeof verified, &vl) == TESSERA_OK && vl == cl &&
            memcmp(verified, out, cl) == 0);

  CHECK("key with a kid", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, "k-1", &kid_key) == TESSERA_OK);
  CHECK("sign with a kid", tessera_jwt_sign(kid_key, claims, sizeof claims - 1, token, sizeof token, &tl) == TESSERA_OK);
  CHECK("peek shows the kid",
        tessera_jwt_peek(token, tl, header, sizeof header, &hl, NULL, 0, NULL) == TESSERA_OK &&
            hl == sizeof header_kid - 1 && strcmp(header, header_kid) == 0);
  tessera_key_free(kid_key);

  /* Step 1 only: no algorithm, signature or claim is looked at. */
  {
    /* {"alg":"none","kid":"k\u00e9"} . {"sub":"alice"} . "sig" */
    static const char unsigned_token[] = "eyJhbGciOiJub25lIiwia2lkIjoia1x1MDBlOSJ9." P_ALICE ".c2ln";
    size_t n = sizeof unsigned_token - 1;
    CHECK("peek does not judge alg, signature or claims",
          tessera_jwt_peek(unsigned_token, n, header, sizeof header, &hl, out, sizeof out, &cl) == TESSERA_OK &&
              strcmp(header, "{\"alg\":\"none\",\"kid\":\"k\\u00e9\"}") == 0 && strcmp(out, "{\"sub\":\"alice\"}") == 0);
    CHECK("while verify refuses the same token",
          tessera_jwt_verify(key, unsigned_token, n, NULL, NULL, 0, NULL) == TESSERA_E_ALGORITHM);
  }
}

static void test_parts(const tessera_key *key) {
  static const char claims[] = "{\"sub\":\"alice\",\"room\":\"r1\"}";
  char token[512], header[64], out[64];
  size_t tl = 0, hl = 77, cl = 77;

  CHECK("sign", tessera_jwt_sign(key, claims, sizeof claims - 1, token, sizeof token, &tl) == TESSERA_OK);

  CHECK("header skipped",
        tessera_jwt_peek(token, tl, NULL, 0, NULL, out, sizeof out, &cl) == TESSERA_OK && cl == sizeof claims - 1 &&
            strcmp(out, claims) == 0);
  memset(out, 'x', sizeof out);
  CHECK("claims skipped",
        tessera_jwt_peek(token, tl, header, sizeof header, &hl, NULL, 0, NULL) == TESSERA_OK && hl == 27 &&
            strcmp(header, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") == 0);
  CHECK("both skipped: a shape check", tessera_jwt_peek(token, tl, NULL, 0, NULL, NULL, 0, NULL) == TESSERA_OK);
  CHECK("both skipped still refuses a bad shape",
        tessera_jwt_peek(token, tl - 1 - strlen(strrchr(token, '.')), NULL, 0, NULL, NULL, 0, NULL) ==
            TESSERA_E_MALFORMED);

  /* Size queries: both lengths from one call. */
  hl = cl = 0;
  CHECK("size query for both parts",
        tessera_jwt_peek(token, tl, NULL, 0, &hl, NULL, 0, &cl) == TESSERA_E_BUFFER_TOO_SMALL && hl == 27 &&
            cl == sizeof claims - 1);
  /* The header fits, the claims do not: neither written (both ""), both
   * lengths set. */
  strcpy(header, "old");
  strcpy(out, "old");
  hl = cl = 0;
  CHECK("claims one byte short (no room for the NUL)",
        tessera_jwt_peek(token, tl, header, sizeof header, &hl, out, sizeof claims - 1, &cl) ==
                TESSERA_E_BUFFER_TOO_SMALL &&
            hl == 27 && cl == sizeof claims - 1 && header[0] == '\0' && out[0] == '\0');
  CHECK("a detail says what is needed", strstr(tessera_last_error(), "27") != NULL);
  CHECK("exact room for the claims and the NUL",
        tessera_jwt_peek(token, tl, NULL, 0, NULL, out, sizeof claims, &cl) == TESSERA_OK && strcmp(out, claims) == 0);
  CHECK("exact room for the header and the NUL",
        tessera_jwt_peek(token, tl, header, 28, &hl, NULL, 0, NULL) == TESSERA_OK && hl == 27);
  CHECK("header one byte short",
        tessera_jwt_peek(token, tl, header, 27, &hl, NULL, 0, NULL) == TESSERA_E_BUFFER_TOO_SMALL && hl == 27);

  /* Arguments: *len is 0 after any failure but a buffer too small. */
  hl = cl = 5;
  CHECK("NULL token", tessera_jwt_peek(NULL, 10, header, sizeof header, &hl, NULL, 0, NULL) == TESSERA_E_ARGUMENT &&
                          hl == 0 && header[0] == '\0');
  CHECK("NULL header_len with a buffer",
        tessera_jwt_peek(token, tl, header, sizeof header, NULL, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL claims_len with a buffer",
        tessera_jwt_peek(token, tl, NULL, 0, NULL, out, sizeof out, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL header_out with a capacity",
        tessera_jwt_peek(token, tl, NULL, 10, &hl, NULL, 0, NULL) == TESSERA_E_ARGUMENT && hl == 0);
  CHECK("NULL claims_out with a capacity",
        tessera_jwt_peek(token, tl, NULL, 0, NULL, NULL, 10, &cl) == TESSERA_E_ARGUMENT && cl == 0);
  CHECK("a huge capacity", tessera_jwt_peek(token, tl, header, (size_t)-1, &hl, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
  CHECK("a huge token length", tessera_jwt_peek(token, (size_t)-1, NULL, 0, NULL, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
}

/* The size functions: equal to their macros, and what the library does. */
static void test_sizes(const tessera_key *key) {
  char out[128];
  size_t n = 0;
  CHECK("tessera_token_max", tessera_token_max() == TESSERA_TOKEN_MAX);
  CHECK("tessera_json_depth_max", tessera_json_depth_max() == TESSERA_JSON_DEPTH_MAX);
  CHECK("tessera_credential_ttl_min", tessera_credential_ttl_min() == TESSERA_CREDENTIAL_TTL_MIN);
  CHECK("tessera_credential_ttl_max", tessera_credential_ttl_max() == TESSERA_CREDENTIAL_TTL_MAX);
  CHECK("tessera_credential_token_len", tessera_credential_token_len() == TESSERA_CREDENTIAL_TOKEN_LEN);
  CHECK("tessera_turn_password_len", tessera_turn_password_len() == TESSERA_TURN_PASSWORD_LEN);

  CHECK("a credential is tessera_credential_token_len() long",
        tessera_credential_sign(SECRET32, 32, "alice", 5, 1700000000, tessera_credential_ttl_min(), out, sizeof out,
                                &n) == TESSERA_OK &&
            n == tessera_credential_token_len() && strlen(out) == n);
  CHECK("the largest ttl is accepted",
        tessera_credential_sign(SECRET32, 32, "alice", 5, 1700000000, tessera_credential_ttl_max(), out, sizeof out,
                                &n) == TESSERA_OK);
  CHECK("below tessera_credential_ttl_min() is refused",
        tessera_credential_sign(SECRET32, 32, "alice", 5, 1700000000, tessera_credential_ttl_min() - 1, out,
                                sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("above tessera_credential_ttl_max() is refused",
        tessera_credential_sign(SECRET32, 32, "alice", 5, 1700000000, tessera_credential_ttl_max() + 1, out,
                                sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("a TURN password is tessera_turn_password_len() long",
        tessera_turn_password(SECRET32, 32, "1700000000:alice", 16, out, sizeof out, &n) == TESSERA_OK &&
            n == tessera_turn_password_len() && strlen(out) == n);
  (void)key;
}

int main(void) {
  tessera_key *key = NULL;
  CHECK("HS256 key", tessera_key_new_hmac(TESSERA_HS256, SECRET32, 32, NULL, &key) == TESSERA_OK);
  if (!key) return REPORT("test_peek");
  test_refused(key);
  test_valid(key);
  test_parts(key);
  test_sizes(key);
  tessera_key_free(key);
  return REPORT("test_peek");
}
