/*
 * The SkyWay credential through the C API: known answers computed with
 * openssl (Tests/Vectors/credential_known_answers.txt, path in argv[1]),
 * the ttl bounds, the order of checks DESIGN.md fixes, JSON escaping of the
 * peer id, and verification.
 */
#define _POSIX_C_SOURCE 200809L
#include <tessera.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char SECRET[] = "sky-way-secret-key-0123456789";

static void test_known_answers(const char *path) {
  FILE *f = fopen(path, "r");
  char line[512];
  int cases = 0;
  if (!f) {
    CHECK("open known answers", 0);
    return;
  }
  while (fgets(line, sizeof line, f)) {
    char *fields[5], *p = line, out[64], again[64];
    size_t n = 0;
    int k;
    long long ts;
    unsigned long ttl;
    if (line[0] == '#' || line[0] == '\n') continue;
    line[strcspn(line, "\n")] = '\0';
    for (k = 0; k < 5; k++) {
      fields[k] = p;
      p = strchr(p, '|');
      if (p) *p++ = '\0';
      else if (k < 4) break;
    }
    if (k < 5) {
      CHECK("known answer line has 5 fields", 0);
      continue;
    }
    ts = strtoll(fields[2], NULL, 10);
    ttl = strtoul(fields[3], NULL, 10);
    CHECK("known answer sign", tessera_credential_sign(fields[0], strlen(fields[0]), fields[1], strlen(fields[1]),
                                                       ts, (uint32_t)ttl, out, sizeof out, &n) == TESSERA_OK);
    CHECK("known answer value", n == TESSERA_CREDENTIAL_TOKEN_LEN && strcmp(out, fields[4]) == 0);
    if (strcmp(out, fields[4]) != 0) printf("  expected %s got %s\n", fields[4], out);
    CHECK("known answer verifies", tessera_credential_verify(fields[0], strlen(fields[0]), fields[1], strlen(fields[1]),
                                                             ts, (uint32_t)ttl, fields[4], strlen(fields[4]),
                                                             ts + 1) == TESSERA_OK);
    /* Deterministic. */
    CHECK("known answer again", tessera_credential_sign(fields[0], strlen(fields[0]), fields[1], strlen(fields[1]), ts,
                                                        (uint32_t)ttl, again, sizeof again, &n) == TESSERA_OK &&
                                    strcmp(out, again) == 0);
    cases++;
  }
  fclose(f);
  CHECK("known answers read", cases >= 4);
}

static void test_bounds_and_order(void) {
  char out[256];
  size_t n = 7;
  const char *peer = "TestPeerID";
  size_t pl = strlen(peer), sl = strlen(SECRET);

  /* ttl bounds: 600 and 90000 inclusive. */
  CHECK("ttl 599", tessera_credential_sign(SECRET, sl, peer, pl, 1700000000, 599, out, sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("ttl 600", tessera_credential_sign(SECRET, sl, peer, pl, 1700000000, 600, out, sizeof out, &n) == TESSERA_OK);
  CHECK("ttl 90000", tessera_credential_sign(SECRET, sl, peer, pl, 1700000000, 90000, out, sizeof out, &n) == TESSERA_OK);
  CHECK("ttl 90001", tessera_credential_sign(SECRET, sl, peer, pl, 1700000000, 90001, out, sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("ttl 0", tessera_credential_sign(SECRET, sl, peer, pl, 1700000000, 0, out, sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("ttl detail", strstr(tessera_last_error(), "ttl") != NULL);
  CHECK("ttl macros", TESSERA_CREDENTIAL_TTL_MIN == 600 && TESSERA_CREDENTIAL_TTL_MAX == 90000);

  /* Empty or NULL secret / peer: ARGUMENT, before the ttl check. */
  CHECK("empty secret", tessera_credential_sign(SECRET, 0, peer, pl, 1700000000, 1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("NULL secret", tessera_credential_sign(NULL, 5, peer, pl, 1700000000, 1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("empty peer", tessera_credential_sign(SECRET, sl, peer, 0, 1700000000, 1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("NULL peer", tessera_credential_sign(SECRET, sl, NULL, 3, 1700000000, 1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("json empty peer", tessera_credential_json(SECRET, sl, "", 0, 1, 1, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("verify empty secret", tessera_credential_verify("", 0, peer, pl, 1, 1, "x", 1, 2) == TESSERA_E_ARGUMENT);
  /* The ttl comes before everything else: a bad ttl with bad output
     arguments, a bad timestamp or a NULL token still says LIFETIME. */
  CHECK("ttl before out_len", tessera_credential_sign(SECRET, sl, peer, pl, 1, 10, out, sizeof out, NULL) == TESSERA_E_LIFETIME);
  CHECK("ttl before timestamp", tessera_credential_sign(SECRET, sl, peer, pl, -5, 10, out, sizeof out, &n) == TESSERA_E_LIFETIME);
  CHECK("ttl before token", tessera_credential_verify(SECRET, sl, peer, pl, 1, 100000, NULL, 0, 2) == TESSERA_E_LIFETIME);
  CHECK("ttl before utf8", tessera_credential_json(SECRET, sl, "\xff", 1, 1, 1, out, sizeof out, &n) == TESSERA_E_LIFETIME);
  /* Then the other arguments. */
  CHECK("negative timestamp", tessera_credential_sign(SECRET, sl, peer, pl, -1, 600, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("overflowing timestamp", tessera_credential_sign(SECRET, sl, peer, pl, INT64_MAX, 600, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("bad UTF-8 peer", tessera_credential_sign(SECRET, sl, "\xc3\x28", 2, 1, 600, out, sizeof out, &n) == TESSERA_E_MALFORMED);
  CHECK("NULL out_len", tessera_credential_sign(SECRET, sl, peer, pl, 1, 600, out, sizeof out, NULL) == TESSERA_E_ARGUMENT);
  CHECK("NULL token", tessera_credential_verify(SECRET, sl, peer, pl, 1, 600, NULL, 44, 2) == TESSERA_E_ARGUMENT);

  /* Output contract. */
  CHECK("sign size query", tessera_credential_sign(SECRET, sl, peer, pl, 1, 600, NULL, 0, &n) == TESSERA_E_BUFFER_TOO_SMALL &&
                               n == 44);
  CHECK("sign 44 is short", tessera_credential_sign(SECRET, sl, peer, pl, 1, 600, out, 44, &n) == TESSERA_E_BUFFER_TOO_SMALL &&
                                n == 44 && out[0] == '\0');
  CHECK("sign 45 fits", tessera_credential_sign(SECRET, sl, peer, pl, 1, 600, out, 45, &n) == TESSERA_OK && n == 44 &&
                            out[44] == '\0');
}

static void test_json(void) {
  char out[512], token[64];
  size_t n = 0, need = 0, tn = 0;
  const char peer[] = "pe\"er\\id";
  char expected[512];
  /* Known answer 2 in credential_known_answers.txt. */
  CHECK("json", tessera_credential_json(SECRET, strlen(SECRET), peer, strlen(peer), 1500000000, 600, out, sizeof out, &n) ==
                    TESSERA_OK);
  CHECK("json text", strcmp(out, "{\"peerId\":\"pe\\\"er\\\\id\",\"timestamp\":1500000000,\"ttl\":600,"
                                 "\"authToken\":\"IufXX9AGQXmBgwkwGulvQ0pK3yzV377ATWMbZmI5ww8=\"}") == 0);
  CHECK("json length", n == strlen(out));
  CHECK("json size query", tessera_credential_json(SECRET, strlen(SECRET), peer, strlen(peer), 1500000000, 600, NULL, 0,
                                                   &need) == TESSERA_E_BUFFER_TOO_SMALL && need == n);

  /* Control characters are escaped; the MAC covers the raw bytes. */
  {
    const char ctl[] = "a\tb\nc\x01" "d";
    CHECK("json ctl", tessera_credential_json(SECRET, strlen(SECRET), ctl, 7, 1700000000, 3600, out, sizeof out, &n) ==
                          TESSERA_OK);
    CHECK("ctl token", tessera_credential_sign(SECRET, strlen(SECRET), ctl, 7, 1700000000, 3600, token, sizeof token, &tn) ==
                           TESSERA_OK);
    sprintf(expected, "{\"peerId\":\"a\\tb\\nc\\u0001d\",\"timestamp\":1700000000,\"ttl\":3600,\"authToken\":\"%s\"}", token);
    CHECK("json ctl escaped", strcmp(out, expected) == 0);
  }
  /* UTF-8 passes through unescaped. */
  CHECK("json utf8", tessera_credential_json("s", 1, "пир-1 ☎", strlen("пир-1 ☎"), 1234567890, 90000, out, sizeof out,
                                             &n) == TESSERA_OK &&
                         strcmp(out, "{\"peerId\":\"пир-1 ☎\",\"timestamp\":1234567890,\"ttl\":90000,"
                                     "\"authToken\":\"2A48IuFunUYoZuezIWiwcOkF+TIKmssfylEOtkEpm1Q=\"}") == 0);
  printf("CREDJSON %s\n", out);
}

static void test_verify(void) {
  char tok[64];
  size_t n;
  const char *peer = "TestPeerID";
  size_t pl = strlen(peer), sl = strlen(SECRET);
  int64_t ts = 1700000000;
  CHECK("make", tessera_credential_sign(SECRET, sl, peer, pl, ts, 3600, tok, sizeof tok, &n) == TESSERA_OK);
  CHECK("verify ok", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, n, ts) == TESSERA_OK);
  CHECK("verify ok late", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, n, ts + 3599) == TESSERA_OK);
  CHECK("verify expired", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, n, ts + 3600) == TESSERA_E_EXPIRED);
  CHECK("verify future", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, n, ts - 1) == TESSERA_E_ISSUED_IN_FUTURE);
  CHECK("verify wrong peer", tessera_credential_verify(SECRET, sl, "TestPeerIE", pl, ts, 3600, tok, n, ts) == TESSERA_E_SIGNATURE);
  CHECK("verify wrong ttl", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3601, tok, n, ts) == TESSERA_E_SIGNATURE);
  CHECK("verify wrong ts", tessera_credential_verify(SECRET, sl, peer, pl, ts + 1, 3600, tok, n, ts + 2) == TESSERA_E_SIGNATURE);
  CHECK("verify wrong secret", tessera_credential_verify(SECRET, sl - 1, peer, pl, ts, 3600, tok, n, ts) == TESSERA_E_SIGNATURE);
  CHECK("verify short token", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, n - 1, ts) == TESSERA_E_SIGNATURE);
  CHECK("verify empty token", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, tok, 0, ts) == TESSERA_E_SIGNATURE);
  {
    char flipped[64];
    memcpy(flipped, tok, sizeof flipped);
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    CHECK("verify flipped", tessera_credential_verify(SECRET, sl, peer, pl, ts, 3600, flipped, n, ts) == TESSERA_E_SIGNATURE);
  }
  /* Expired and badly signed: the signature is reported. */
  CHECK("verify bad and expired", tessera_credential_verify(SECRET, sl, "x", 1, ts, 3600, tok, n, ts + 99999) ==
                                      TESSERA_E_SIGNATURE);
  CHECK("verify detail has no secret", strstr(tessera_last_error(), SECRET) == NULL);
}

/* TURN REST password: openssl's answer for the same input,
 * printf '%s' 1700003600:alice | openssl dgst -sha1 -hmac turn-shared-secret -binary | base64 */
static void test_turn(void) {
  char out[64];
  size_t n = 0;
  const char *user = "1700003600:alice";
  CHECK("turn password", tessera_turn_password("turn-shared-secret", 18, user, strlen(user), out, sizeof out, &n) == TESSERA_OK &&
                             n == TESSERA_TURN_PASSWORD_LEN && strcmp(out, "NT6MdRpcXYd2/BSFDz9lHArmh+Y=") == 0);
  CHECK("turn size query", tessera_turn_password("s", 1, user, strlen(user), NULL, 0, &n) == TESSERA_E_BUFFER_TOO_SMALL && n == 28);
  CHECK("turn empty secret", tessera_turn_password("", 0, user, strlen(user), out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("turn NULL username", tessera_turn_password("s", 1, NULL, 3, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  CHECK("turn empty username", tessera_turn_password("s", 1, "", 0, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  {
    char longname[600];
    memset(longname, 'u', sizeof longname);
    CHECK("turn long username", tessera_turn_password("s", 1, longname, sizeof longname, out, sizeof out, &n) == TESSERA_E_ARGUMENT);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s credential_known_answers.txt\n", argv[0]);
    return 2;
  }
  test_known_answers(argv[1]);
  test_bounds_and_order();
  test_json();
  test_verify();
  test_turn();
  return REPORT("test_credential");
}
