/* The RTC platforms' credentials from C: Agora AccessToken2 against Agora's
 * published vectors (Tests/Vectors/agora_accesstoken2.txt, the argument),
 * Tencent UserSig, Janus tokens, tessera_jwt_sign_header and the JWT
 * platform profiles; and every bad input the header names for them. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#define APP "970CA35de60c44645bbae8a215061b33"
#define CERT "5CFd2fd1755d40ecb72977518be15d3b"

static char buf[300000];
static size_t len;

/* The value of "key = value" in a vector block, or NULL. */
static const char *field(char *block, const char *key, char *out, size_t cap) {
  size_t k = strlen(key);
  char *line = block;
  while (line && *line) {
    char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    if (n > k + 2 && strncmp(line, key, k) == 0 && line[k] == ' ' && line[k + 1] == '=') {
      const char *v = line + k + 2;
      size_t vn = n - k - 2;
      while (vn && *v == ' ') { v++; vn--; }
      if (vn >= cap) return NULL;
      memcpy(out, v, vn);
      out[vn] = 0;
      return out;
    }
    line = end ? end + 1 : NULL;
  }
  return NULL;
}

static int agora_vectors(const char *path) {
  FILE *f = fopen(path, "rb");
  static char text_buf[1 << 16];
  size_t n = f ? fread(text_buf, 1, sizeof text_buf - 1, f) : 0;
  char *text = f && n > 0 && n < sizeof text_buf - 1 ? text_buf : NULL;
  if (f) fclose(f);
  text_buf[n] = 0;
  int count = 0;
  char *block;
  CHECK("agora vectors readable", text != NULL);
  if (!text) return 0;
  block = text;
  while (block && *block) {
    char *next = strstr(block, "\n\n");
    char kind[16], app[64], cert[64], channel[256], account[256], role[32], texp[16], pexp[16], ts[32], salt[32],
        expected[1024];
    if (next) *next = 0;
    if (field(block, "kind", kind, sizeof kind) && field(block, "expected", expected, sizeof expected) &&
        field(block, "app_id", app, sizeof app) && field(block, "app_certificate", cert, sizeof cert) &&
        field(block, "token_expire", texp, sizeof texp) && field(block, "issued_at", ts, sizeof ts) &&
        field(block, "salt", salt, sizeof salt)) {
      int rc = -100;
      if (!field(block, "account", account, sizeof account)) account[0] = 0;
      if (strcmp(kind, "rtc") == 0 && field(block, "channel", channel, sizeof channel) &&
          field(block, "role", role, sizeof role) && field(block, "privilege_expire", pexp, sizeof pexp)) {
        rc = tessera_agora_rtc_token(app, cert, channel, account,
                                     strcmp(role, "publisher") == 0 ? TESSERA_AGORA_ROLE_PUBLISHER
                                                                    : TESSERA_AGORA_ROLE_SUBSCRIBER,
                                     (uint32_t)strtoul(texp, NULL, 10), (uint32_t)strtoul(pexp, NULL, 10),
                                     strtoll(ts, NULL, 10), (uint32_t)strtoul(salt, NULL, 10), buf, sizeof buf, &len);
      } else if (strcmp(kind, "rtm") == 0) {
        rc = tessera_agora_rtm_token(app, cert, account, (uint32_t)strtoul(texp, NULL, 10), strtoll(ts, NULL, 10),
                                     (uint32_t)strtoul(salt, NULL, 10), buf, sizeof buf, &len);
      } else {
        strcpy(buf, expected); /* two services: verify only */
        len = strlen(buf);
        rc = TESSERA_OK;
      }
      CHECK("agora vector builds", rc == TESSERA_OK);
      CHECK("agora vector byte for byte", rc == TESSERA_OK && strcmp(buf, expected) == 0);
      CHECK("agora vector verifies",
            tessera_agora_token_verify(cert, expected, strlen(expected), strtoll(ts, NULL, 10), NULL, 0, NULL) ==
                TESSERA_OK);
      count++;
    }
    block = next ? next + 2 : NULL;
  }
  return count;
}

static void agora(const char *vectors) {
  size_t need = 0, dlen = 0;
  char big[70000];
  int a, b;
  CHECK("agora: every published vector", agora_vectors(vectors) >= 12);

  /* The output contract: a size query, then exactly that size. */
  CHECK("agora size query", tessera_agora_rtc_token(APP, CERT, "ch", "7", 1, 600, 600, 1111111, 1, NULL, 0, &need) ==
                                TESSERA_E_BUFFER_TOO_SMALL && need > 3);
  CHECK("agora too small by one", tessera_agora_rtc_token(APP, CERT, "ch", "7", 1, 600, 600, 1111111, 1, buf, need,
                                                          &len) == TESSERA_E_BUFFER_TOO_SMALL && len == need &&
                                      buf[0] == 0);
  CHECK("agora exact fit", tessera_agora_rtc_token(APP, CERT, "ch", "7", 1, 600, 600, 1111111, 1, buf, need + 1,
                                                   &len) == TESSERA_OK && len == need && strncmp(buf, "007", 3) == 0);

  /* Bad arguments. */
  CHECK("agora NULL app id", tessera_agora_rtc_token(NULL, CERT, "c", "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) ==
                                 TESSERA_E_ARGUMENT && len == 0 && buf[0] == 0);
  CHECK("agora NULL certificate",
        tessera_agora_rtc_token(APP, NULL, "c", "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora NULL channel",
        tessera_agora_rtc_token(APP, CERT, NULL, "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora NULL account",
        tessera_agora_rtc_token(APP, CERT, "c", NULL, 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora NULL out_len", tessera_agora_rtc_token(APP, CERT, "c", "", 1, 1, 1, 1, 1, buf, sizeof buf, NULL) ==
                                  TESSERA_E_ARGUMENT);
  CHECK("agora empty channel",
        tessera_agora_rtc_token(APP, CERT, "", "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora non-hex app id", tessera_agora_rtc_token("970CA35de60c44645bbae8a215061bZZ", CERT, "c", "", 1, 1, 1,
                                                        1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora short app id", tessera_agora_rtc_token("970CA35de60c", CERT, "c", "", 1, 1, 1, 1, 1, buf, sizeof buf,
                                                      &len) == TESSERA_E_ARGUMENT);
  CHECK("agora long certificate", tessera_agora_rtc_token(APP, CERT "0", "c", "", 1, 1, 1, 1, 1, buf, sizeof buf,
                                                          &len) == TESSERA_E_ARGUMENT);
  CHECK("agora unknown role",
        tessera_agora_rtc_token(APP, CERT, "c", "", 0, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora issued_at < 0",
        tessera_agora_rtc_token(APP, CERT, "c", "", 1, 1, 1, -1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora issued_at = 2^32", tessera_agora_rtc_token(APP, CERT, "c", "", 1, 1, 1, INT64_C(4294967296), 1, buf,
                                                          sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora issued_at = 2^32 - 1", tessera_agora_rtc_token(APP, CERT, "c", "", 1, 1, 1, INT64_C(4294967295), 1,
                                                              buf, sizeof buf, &len) == TESSERA_OK);
  memset(big, 'x', sizeof big);
  big[65535] = 0;
  CHECK("agora 65,535-byte channel",
        tessera_agora_rtc_token(APP, CERT, big, "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_OK);
  CHECK("agora 65,535-byte channel verifies",
        tessera_agora_token_verify(CERT, buf, len, 1, NULL, 0, NULL) == TESSERA_OK);
  big[65535] = 'x';
  big[65536] = 0;
  CHECK("agora 65,536-byte channel",
        tessera_agora_rtc_token(APP, CERT, big, "", 1, 1, 1, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora rtm empty user",
        tessera_agora_rtm_token(APP, CERT, "", 600, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("agora invalid UTF-8",
        tessera_agora_rtm_token(APP, CERT, "a\xff", 600, 1, 1, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);

  /* Salt 0: a random salt; each token still verifies. */
  a = tessera_agora_rtm_token(APP, CERT, "u", 600, 1000, 0, buf, sizeof buf, &len);
  CHECK("agora random salt", a == TESSERA_OK && tessera_agora_token_verify(CERT, buf, len, 1000, NULL, 0, NULL) ==
                                                    TESSERA_OK);

  /* Verify: the description, check-only, and every refusal in order. */
  CHECK("agora rtm token", tessera_agora_rtm_token(APP, CERT, "u\"1", 600, 1000, 7, buf, sizeof buf, &len) ==
                               TESSERA_OK);
  {
    char tok[1024], json[2048];
    strcpy(tok, buf);
    CHECK("agora verify describes", tessera_agora_token_verify(CERT, tok, strlen(tok), 1599, json, sizeof json,
                                                               &dlen) == TESSERA_OK &&
                                        strcmp(json, "{\"appId\":\"" APP "\",\"issuedAt\":1000,\"expire\":600,"
                                                     "\"salt\":7,\"services\":[{\"type\":2,\"name\":\"rtm\","
                                                     "\"userId\":\"u\\\"1\",\"privileges\":{\"login\":600}}]}") == 0);
    need = 0;
    CHECK("agora check-only reports the description's length",
          tessera_agora_token_verify(CERT, tok, strlen(tok), 1599, NULL, 0, &need) == TESSERA_OK && need == dlen);
    CHECK("agora description buffer too small",
          tessera_agora_token_verify(CERT, tok, strlen(tok), 1599, json, 10, &need) == TESSERA_E_BUFFER_TOO_SMALL &&
              need == dlen);
    CHECK("agora expired at issued + expire",
          tessera_agora_token_verify(CERT, tok, strlen(tok), 1600, NULL, 0, NULL) == TESSERA_E_EXPIRED);
    CHECK("agora wrong certificate", tessera_agora_token_verify("00000000000000000000000000000000", tok, strlen(tok),
                                                                1000, NULL, 0, NULL) == TESSERA_E_SIGNATURE);
    CHECK("agora expired and wrong certificate: signature", tessera_agora_token_verify(
        "00000000000000000000000000000000", tok, strlen(tok), 99999, NULL, 0, NULL) == TESSERA_E_SIGNATURE);
    CHECK("agora NULL certificate", tessera_agora_token_verify(NULL, tok, strlen(tok), 1000, NULL, 0, NULL) ==
                                        TESSERA_E_ARGUMENT);
    CHECK("agora bad certificate", tessera_agora_token_verify("xyz", tok, strlen(tok), 1000, NULL, 0, NULL) ==
                                       TESSERA_E_ARGUMENT);
    CHECK("agora NULL token", tessera_agora_token_verify(CERT, NULL, 0, 1000, NULL, 0, NULL) == TESSERA_E_ARGUMENT);
    CHECK("agora empty token", tessera_agora_token_verify(CERT, "", 0, 1000, NULL, 0, NULL) == TESSERA_E_MALFORMED);
    CHECK("agora 006 token", tessera_agora_token_verify(CERT, "006eJxTYA", 9, 1000, NULL, 0, NULL) ==
                                 TESSERA_E_MALFORMED);
    CHECK("agora truncated", tessera_agora_token_verify(CERT, tok, strlen(tok) - 8, 1000, NULL, 0, NULL) ==
                                 TESSERA_E_MALFORMED);
    CHECK("agora not base64", tessera_agora_token_verify(CERT, "007!!!!", 7, 1000, NULL, 0, NULL) ==
                                  TESSERA_E_MALFORMED);
    CHECK("agora base64 of garbage", tessera_agora_token_verify(CERT, "007AAAAAAAA", 11, 1000, NULL, 0, NULL) ==
                                         TESSERA_E_MALFORMED);
    CHECK("agora over the limit", tessera_agora_token_verify(CERT, big, TESSERA_AGORA_TOKEN_MAX + 1, 1000, NULL, 0,
                                                             NULL) == TESSERA_E_MALFORMED);
    b = 0;
    for (size_t i = 3; i < strlen(tok); i++) {
      char c = tok[i];
      int rc;
      tok[i] = c == 'A' ? 'B' : 'A';
      rc = tessera_agora_token_verify(CERT, tok, strlen(tok), 1000, NULL, 0, NULL);
      if (rc != TESSERA_E_MALFORMED && rc != TESSERA_E_SIGNATURE) b++;
      tok[i] = c;
    }
    CHECK("agora every one-character corruption refused", b == 0);
  }
}

static void trtc(void) {
  static const char key[] = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
  size_t k = sizeof key - 1, need = 0;
  char sig[1024];
  CHECK("trtc size query", tessera_trtc_usersig(1400000000, key, k, "xiaojun", 86400, 1700000000, NULL, 0, &need) ==
                               TESSERA_E_BUFFER_TOO_SMALL);
  CHECK("trtc usersig", tessera_trtc_usersig(1400000000, key, k, "xiaojun", 86400, 1700000000, sig, sizeof sig,
                                             &len) == TESSERA_OK && len == need);
  /* The same inputs give tls-sig-api-v2's UserSig (checked by
   * Tests/interop/test_platforms.py against the SDK itself). */
  CHECK("trtc verifies", tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", sig, len, 1700000000) ==
                             TESSERA_OK);
  CHECK("trtc expired", tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", sig, len, 1700086400) ==
                            TESSERA_E_EXPIRED);
  CHECK("trtc other user", tessera_trtc_usersig_verify(1400000000, key, k, "bob", sig, len, 1700000000) ==
                               TESSERA_E_CLAIM);
  CHECK("trtc other app", tessera_trtc_usersig_verify(1400000001, key, k, "xiaojun", sig, len, 1700000000) ==
                              TESSERA_E_CLAIM);
  CHECK("trtc other key", tessera_trtc_usersig_verify(1400000000, "k", 1, "xiaojun", sig, len, 1700000000) ==
                              TESSERA_E_SIGNATURE);
  CHECK("trtc other app and key: claim first",
        tessera_trtc_usersig_verify(1400000001, "k", 1, "xiaojun", sig, len, 1700000000) == TESSERA_E_CLAIM);
  CHECK("trtc truncated", tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", sig, len - 4, 1700000000) ==
                              TESSERA_E_MALFORMED);
  CHECK("trtc not base64", tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", "a+b/", 4, 1700000000) ==
                               TESSERA_E_MALFORMED);
  CHECK("trtc empty", tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", "", 0, 1) == TESSERA_E_MALFORMED);
  CHECK("trtc NULL usersig",
        tessera_trtc_usersig_verify(1400000000, key, k, "xiaojun", NULL, 0, 1) == TESSERA_E_ARGUMENT);
  CHECK("trtc NULL key", tessera_trtc_usersig(1, NULL, 0, "u", 1, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc empty key", tessera_trtc_usersig(1, key, 0, "u", 1, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc NULL user", tessera_trtc_usersig(1, key, k, NULL, 1, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc empty user", tessera_trtc_usersig(1, key, k, "", 1, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc sdk app id 0", tessera_trtc_usersig(0, key, k, "u", 1, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc expire 0", tessera_trtc_usersig(1, key, k, "u", 0, 1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc now < 0", tessera_trtc_usersig(1, key, k, "u", 1, -1, sig, sizeof sig, &len) == TESSERA_E_ARGUMENT);
  CHECK("trtc control character", tessera_trtc_usersig(1, key, k, "a\nb", 1, 1, sig, sizeof sig, &len) ==
                                      TESSERA_E_ARGUMENT);
}

static void janus(void) {
  static const char secret[] = "janussecret";
  const char *plugins[] = {"janus.plugin.videoroom", "janus.plugin.echotest"};
  const char *bad[] = {"janus.plugin,x"};
  const char *colon[] = {"a:b"};
  const char *null[] = {NULL};
  char tok[512];
  size_t need = 0;
  CHECK("janus size query", tessera_janus_token(secret, 11, 1700000000, plugins, 2, NULL, 0, &need) ==
                                TESSERA_E_BUFFER_TOO_SMALL &&
                                need == strlen("1700000000,janus,janus.plugin.videoroom,janus.plugin.echotest:") + 28);
  CHECK("janus token", tessera_janus_token(secret, 11, 1700000000, plugins, 2, tok, sizeof tok, &len) == TESSERA_OK &&
                           strncmp(tok, "1700000000,janus,janus.plugin.videoroom,janus.plugin.echotest:", 62) == 0);
  CHECK("janus verifies through its expiry second",
        tessera_janus_token_verify(secret, 11, tok, len, "janus.plugin.echotest", 1700000000) == TESSERA_OK);
  CHECK("janus expired after", tessera_janus_token_verify(secret, 11, tok, len, NULL, 1700000001) ==
                                   TESSERA_E_EXPIRED);
  CHECK("janus plugin not named", tessera_janus_token_verify(secret, 11, tok, len, "janus.plugin.sip", 1) ==
                                      TESSERA_E_CLAIM);
  CHECK("janus wrong secret", tessera_janus_token_verify("other", 5, tok, len, NULL, 1) == TESSERA_E_SIGNATURE);
  CHECK("janus wrong secret, expired", tessera_janus_token_verify("other", 5, tok, len, NULL, 1800000000) ==
                                           TESSERA_E_SIGNATURE);
  CHECK("janus no plugins", tessera_janus_token(secret, 11, 5, NULL, 0, tok, sizeof tok, &len) == TESSERA_OK &&
                                strncmp(tok, "5,janus:", 8) == 0 && len == 8 + 28);
  CHECK("janus plugins NULL, count 1",
        tessera_janus_token(secret, 11, 5, NULL, 1, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus a NULL plugin",
        tessera_janus_token(secret, 11, 5, null, 1, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus comma", tessera_janus_token(secret, 11, 5, bad, 1, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus colon", tessera_janus_token(secret, 11, 5, colon, 1, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus empty secret", tessera_janus_token(secret, 0, 5, NULL, 0, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus short secret allowed", tessera_janus_token("s", 1, 5, NULL, 0, tok, sizeof tok, &len) == TESSERA_OK);
  CHECK("janus negative expiry",
        tessera_janus_token(secret, 11, -1, NULL, 0, tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("janus verify NULL token", tessera_janus_token_verify(secret, 11, NULL, 0, NULL, 1) == TESSERA_E_ARGUMENT);
  CHECK("janus verify no colon", tessera_janus_token_verify(secret, 11, "5,janus", 7, NULL, 1) ==
                                     TESSERA_E_MALFORMED);
  CHECK("janus verify bad expiry", tessera_janus_token_verify(secret, 11, "-5,janus:x", 10, NULL, 1) ==
                                       TESSERA_E_MALFORMED);
  CHECK("janus verify other realm", tessera_janus_token_verify(secret, 11, "5,jonas:x", 9, NULL, 1) ==
                                        TESSERA_E_MALFORMED);
  CHECK("janus verify plugin with comma", tessera_janus_token_verify(secret, 11, "5,janus:x", 9, "a,b", 1) ==
                                              TESSERA_E_ARGUMENT);
}

static void sign_header(void) {
  static const char secret[] = "0123456789abcdef0123456789abcdef";
  static const char claims[] = "{\"sub\":\"a\"}";
  tessera_key *key = NULL, *kid = NULL;
  char plain[512], tok[512], hdr[512];
  size_t plen = 0, hlen = 0;
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, secret, 32, NULL, &key) == TESSERA_OK);
  CHECK("key with kid", tessera_key_new_hmac(TESSERA_HS256, secret, 32, "k1", &kid) == TESSERA_OK);
  CHECK("plain sign", tessera_jwt_sign(key, claims, strlen(claims), plain, sizeof plain, &plen) == TESSERA_OK);
  CHECK("NULL header is tessera_jwt_sign",
        tessera_jwt_sign_header(key, NULL, 0, claims, strlen(claims), tok, sizeof tok, &len) == TESSERA_OK &&
            strcmp(tok, plain) == 0);
  CHECK("NULL header with a length",
        tessera_jwt_sign_header(key, NULL, 3, claims, strlen(claims), tok, sizeof tok, &len) == TESSERA_E_ARGUMENT);
  {
    /* An empty header object is the key's own header: one writer for both. */
    char with_kid[512], empty[512];
    size_t a = 0, e = 0;
    CHECK("plain sign with a kid", tessera_jwt_sign(kid, claims, strlen(claims), with_kid, sizeof with_kid, &a) == TESSERA_OK);
    CHECK("{} header is the key's header", tessera_jwt_sign_header(kid, "{}", 2, claims, strlen(claims), empty, sizeof empty,
                                                                  &e) == TESSERA_OK && e == a && strcmp(empty, with_kid) == 0);
  }
  /* cty after alg and typ; the peek shows the header as written. */
  CHECK("cty", tessera_jwt_sign_header(kid, "{\"cty\":\"twilio-fpa;v=1\"}", 24, claims, strlen(claims), tok,
                                       sizeof tok, &len) == TESSERA_OK);
  CHECK("cty header", tessera_jwt_peek(tok, len, hdr, sizeof hdr, &hlen, NULL, 0, NULL) == TESSERA_OK &&
                          strcmp(hdr, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\",\"cty\":\"twilio-fpa;v=1\"}") ==
                              0);
  CHECK("typ replaced in place",
        tessera_jwt_sign_header(key, "{\"x\":[1,2],\"typ\":\"at+jwt\"}", 26, claims, strlen(claims), tok, sizeof tok,
                                &len) == TESSERA_OK &&
            tessera_jwt_peek(tok, len, hdr, sizeof hdr, &hlen, NULL, 0, NULL) == TESSERA_OK &&
            strcmp(hdr, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"x\":[1,2]}") == 0);
  CHECK("alg refused", tessera_jwt_sign_header(key, "{\"alg\":\"none\"}", 14, claims, strlen(claims), tok, sizeof tok,
                                               &len) == TESSERA_E_ARGUMENT && len == 0);
  CHECK("escaped kid refused", tessera_jwt_sign_header(key, "{\"\\u006bid\":\"x\"}", 16, claims, strlen(claims), tok,
                                                       sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("crit refused", tessera_jwt_sign_header(key, "{\"crit\":[\"b64\"]}", 16, claims, strlen(claims), tok,
                                                sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("jku refused", tessera_jwt_sign_header(key, "{\"jku\":\"https://x\"}", 19, claims, strlen(claims), tok,
                                               sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("x5t refused", tessera_jwt_sign_header(key, "{\"x5t\":\"a\"}", 11, claims, strlen(claims), tok, sizeof tok,
                                               &len) == TESSERA_E_ARGUMENT);
  CHECK("typ must be a string", tessera_jwt_sign_header(key, "{\"typ\":1}", 9, claims, strlen(claims), tok,
                                                        sizeof tok, &len) == TESSERA_E_ARGUMENT);
  CHECK("header not JSON", tessera_jwt_sign_header(key, "{\"cty\":", 7, claims, strlen(claims), tok, sizeof tok,
                                                   &len) == TESSERA_E_MALFORMED);
  CHECK("header duplicate", tessera_jwt_sign_header(key, "{\"a\":1,\"a\":2}", 13, claims, strlen(claims), tok,
                                                    sizeof tok, &len) == TESSERA_E_MALFORMED);
  CHECK("header an array", tessera_jwt_sign_header(key, "[]", 2, claims, strlen(claims), tok, sizeof tok, &len) ==
                               TESSERA_E_MALFORMED);
  CHECK("NULL key", tessera_jwt_sign_header(NULL, "{}", 2, claims, strlen(claims), tok, sizeof tok, &len) ==
                        TESSERA_E_ARGUMENT);
  tessera_key_free(key);
  tessera_key_free(kid);
}

static void platforms(void) {
  static const char secret[] = "0123456789abcdef0123456789abcdef";
  tessera_key *key = NULL;
  const char *lk[] = {"api_key=APIxyz", "identity=alice", "room=r1", "roomJoin=true"};
  const char *dup[] = {"api_key=a", "api_key=b", "identity=x"};
  const char *noeq[] = {"api_key", "identity=x"};
  const char *unknown[] = {"api_key=a", "identity=x", "color=red"};
  const char *badbool[] = {"api_key=a", "identity=x", "roomJoin=yes"};
  const char *zoom[] = {"app_key=k", "tpc=t", "role_type=1"};
  const char *stream[] = {"user_id=alice"};
  const char *nullp[] = {NULL};
  char claims[1024];
  size_t clen = 0;
  CHECK("key", tessera_key_new_hmac(TESSERA_HS256, secret, 32, NULL, &key) == TESSERA_OK);
  CHECK("livekit", tessera_platform_token(key, "livekit", lk, 4, 1700000000, 3600, buf, sizeof buf, &len) ==
                       TESSERA_OK);
  CHECK("livekit claims", tessera_jwt_peek(buf, len, NULL, 0, NULL, claims, sizeof claims, &clen) == TESSERA_OK &&
                              strcmp(claims, "{\"video\":{\"roomJoin\":true,\"room\":\"r1\",\"canPublish\":true,"
                                             "\"canSubscribe\":true,\"canPublishData\":true},\"sub\":\"alice\","
                                             "\"iss\":\"APIxyz\",\"nbf\":1700000000,\"exp\":1700003600}") == 0);
  CHECK("stream deterministic", tessera_platform_token(key, "stream", stream, 1, 5, 0, buf, sizeof buf, &len) ==
                                    TESSERA_OK &&
                                    strcmp(buf, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiYWxpY2UifQ."
                                                "6rKktSMN_yqwAqfTRF-L1wcY2EmDbuG2WONcH7Bt0Ug") == 0);
  CHECK("unknown platform", tessera_platform_token(key, "skype", lk, 4, 1, 0, buf, sizeof buf, &len) ==
                                TESSERA_E_ARGUMENT);
  CHECK("NULL platform", tessera_platform_token(key, NULL, lk, 4, 1, 0, buf, sizeof buf, &len) == TESSERA_E_ARGUMENT);
  CHECK("NULL key", tessera_platform_token(NULL, "livekit", lk, 4, 1, 0, buf, sizeof buf, &len) ==
                        TESSERA_E_ARGUMENT);
  CHECK("NULL params with a count", tessera_platform_token(key, "livekit", NULL, 2, 1, 0, buf, sizeof buf, &len) ==
                                        TESSERA_E_ARGUMENT);
  CHECK("a NULL param", tessera_platform_token(key, "stream", nullp, 1, 1, 0, buf, sizeof buf, &len) ==
                            TESSERA_E_ARGUMENT);
  CHECK("missing parameter", tessera_platform_token(key, "livekit", lk, 1, 1, 0, buf, sizeof buf, &len) ==
                                 TESSERA_E_ARGUMENT);
  CHECK("repeated parameter", tessera_platform_token(key, "livekit", dup, 3, 1, 0, buf, sizeof buf, &len) ==
                                  TESSERA_E_ARGUMENT);
  CHECK("not name=value", tessera_platform_token(key, "livekit", noeq, 2, 1, 0, buf, sizeof buf, &len) ==
                              TESSERA_E_ARGUMENT);
  CHECK("unknown parameter", tessera_platform_token(key, "livekit", unknown, 3, 1, 0, buf, sizeof buf, &len) ==
                                 TESSERA_E_ARGUMENT);
  CHECK("bad boolean", tessera_platform_token(key, "livekit", badbool, 3, 1, 0, buf, sizeof buf, &len) ==
                           TESSERA_E_ARGUMENT);
  CHECK("zoom lifetime under 1800 s", tessera_platform_token(key, "zoom", zoom, 3, 1, 1799, buf, sizeof buf, &len) ==
                                          TESSERA_E_LIFETIME);
  CHECK("zoom lifetime over 48 h", tessera_platform_token(key, "zoom", zoom, 3, 1, 172801, buf, sizeof buf, &len) ==
                                       TESSERA_E_LIFETIME);
  CHECK("zoom lifetime 48 h", tessera_platform_token(key, "zoom", zoom, 3, 1, 172800, buf, sizeof buf, &len) ==
                                  TESSERA_OK);
  CHECK("vonage needs RS256", tessera_platform_token(key, "vonage", stream, 1, 1, 0, buf, sizeof buf, &len) ==
                                  TESSERA_E_ALGORITHM);
  CHECK("negative now", tessera_platform_token(key, "stream", stream, 1, -1, 0, buf, sizeof buf, &len) ==
                            TESSERA_E_ARGUMENT);
  tessera_key_free(key);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_platforms agora_accesstoken2.txt\n");
    return 2;
  }
  agora(argv[1]);
  trtc();
  janus();
  sign_header();
  platforms();
  return REPORT("test_platforms");
}
