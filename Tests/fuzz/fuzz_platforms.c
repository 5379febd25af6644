/* The platform credentials' verifiers, tessera_jwt_sign_header and the JWT
 * profiles on arbitrary input. The first byte picks the function; the rest
 * is its input:
 *   0  tessera_agora_token_verify (the vectors' certificate), description on
 *   1  tessera_trtc_usersig_verify (Tencent's example key and app)
 *   2  tessera_janus_token_verify, with and without a plugin
 *   3  tessera_jwt_sign_header: the input as the header object
 *   4  tessera_platform_token: the input's lines as name=value parameters
 *      of the platform the second byte picks
 *   5  mint-then-verify round trip of all three formats from input strings
 * Invariants: no crash; accepted tokens give output within their buffers;
 * what Tessera mints from any accepted input verifies. */
#include "fuzz.h"

#define CERT "5CFd2fd1755d40ecb72977518be15d3b"
#define APP "970CA35de60c44645bbae8a215061b33"
#define TRTC_KEY "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"

static char out[TESSERA_AGORA_TOKEN_MAX + 1];
static char text[8193];

/* The input as a NUL-terminated string (cut at the first NUL, at most 8 KiB). */
static const char *as_text(const uint8_t *d, size_t n) {
  if (n > sizeof text - 1) n = sizeof text - 1;
  memcpy(text, d, n);
  text[n] = 0;
  return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static tessera_key *hs, *rs;
  size_t n = 0;
  int rc;
  if (size < 1) return 0;
  if (!hs) {
    FUZZ_OK(tessera_key_new_hmac(TESSERA_HS256, "0123456789abcdef0123456789abcdef", 32, "kid/1", &hs));
    /* The first key of the vector JWKS that serves RS256. */
    for (const char *p = FUZZ_JWKS; !rs && (p = strstr(p, "{\"kty\"")); p++) {
      const char *end = strchr(p, '}');
      if (!end) break;
      if (tessera_key_new_jwk(TESSERA_RS256, p, (size_t)(end - p + 1), &rs) != TESSERA_OK) rs = NULL;
    }
    FUZZ_ASSERT(rs != NULL, "an RS256 key among the vectors");
  }
  const char *in = (const char *)data + 1;
  size_t len = size - 1;
  switch (data[0] % 6) {
  case 0:
    rc = tessera_agora_token_verify(CERT, in, len, 1111112, out, sizeof out, &n);
    if (rc == TESSERA_OK) FUZZ_ASSERT(n < sizeof out && out[n] == 0, "description NUL-terminated in the buffer");
    break;
  case 1:
    (void)tessera_trtc_usersig_verify(1400000000, TRTC_KEY, 64, "xiaojun", in, len, 1700000000);
    break;
  case 2:
    (void)tessera_janus_token_verify("janussecret", 11, in, len, NULL, 0);
    (void)tessera_janus_token_verify("janussecret", 11, in, len, "janus.plugin.echotest", 0);
    break;
  case 3:
    rc = tessera_jwt_sign_header(hs, in, len, "{\"sub\":\"a\"}", 11, out, sizeof out, &n);
    if (rc == TESSERA_OK) {
      char header[8192];
      size_t hn = 0;
      FUZZ_OK(tessera_jwt_peek(out, n, header, sizeof header, &hn, NULL, 0, NULL));
      FUZZ_ASSERT(strncmp(header, "{\"alg\":\"HS256\",\"typ\":", 21) == 0, "alg and typ lead the header");
    }
    break;
  case 4: {
    static const char *names[] = {"livekit", "twilio", "vonage", "zoom", "jaas", "stream", "100ms", "daily"};
    const char *params[64];
    size_t count = 0;
    char *p, *save = NULL;
    if (len < 1) return 0;
    as_text((const uint8_t *)in + 1, len - 1);
    for (p = strtok_r(text, "\n", &save); p && count < 64; p = strtok_r(NULL, "\n", &save)) params[count++] = p;
    unsigned which = (unsigned char)in[0] % 8;
    tessera_key *k = which == 2 || which == 4 ? rs : hs;
    rc = tessera_platform_token(k, names[which], params, count, 1700000000, 0, out, sizeof out, &n);
    if (rc == TESSERA_OK) FUZZ_OK(tessera_jwt_peek(out, n, NULL, 0, NULL, NULL, 0, NULL));
    break;
  }
  case 5: {
    /* Input: channel \n account \n user id; each minted token must verify. */
    char *channel, *account, *user, *save = NULL;
    as_text((const uint8_t *)in, len);
    channel = strtok_r(text, "\n", &save);
    account = channel ? strtok_r(NULL, "\n", &save) : NULL;
    user = account ? strtok_r(NULL, "\n", &save) : NULL;
    if (!user) return 0;
    if (tessera_agora_rtc_token(APP, CERT, channel, account, 1, 600, 600, 1111111, 5, out, sizeof out, &n) == TESSERA_OK)
      FUZZ_OK(tessera_agora_token_verify(CERT, out, n, 1111111, NULL, 0, NULL));
    if (tessera_trtc_usersig(1400000000, TRTC_KEY, 64, user, 86400, 1700000000, out, sizeof out, &n) == TESSERA_OK)
      FUZZ_OK(tessera_trtc_usersig_verify(1400000000, TRTC_KEY, 64, user, out, n, 1700000000));
    {
      const char *plugins[1] = {user};
      if (tessera_janus_token("s", 1, 5, plugins, 1, out, sizeof out, &n) == TESSERA_OK)
        FUZZ_OK(tessera_janus_token_verify("s", 1, out, n, user, 5));
    }
    break;
  }
  }
  return 0;
}
