/* quickstart: make a key, sign a token, verify it, print the claims.
 *   cc quickstart.c $(pkg-config --cflags --libs tessera) -o quickstart */
#include <stdio.h>
#include <string.h>
#include <tessera.h>

int main(void) {
  static const char secret[] = "replace-me-with-32-or-more-random-bytes";
  tessera_key *key = NULL;
  tessera_policy *policy = NULL;
  char token[512], claims[512];
  size_t token_len = 0, claims_len = 0;
  int rc;

  if ((rc = tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &key)) != TESSERA_OK ||
      (rc = tessera_jwt_issue(key, "{\"sub\":\"alice\"}", 15, tessera_now(), 600, TESSERA_ISSUE_JTI,
                              token, sizeof token, &token_len)) != TESSERA_OK ||
      (rc = tessera_policy_new(&policy)) != TESSERA_OK ||
      (rc = tessera_policy_set_subject(policy, "alice")) != TESSERA_OK ||
      (rc = tessera_jwt_verify(key, token, token_len, policy, claims, sizeof claims, &claims_len)) != TESSERA_OK) {
    fprintf(stderr, "%s: %s\n", tessera_strerror(rc), tessera_last_error());
    tessera_policy_free(policy);
    tessera_key_free(key);
    return 1;
  }
  printf("token:  %s\nclaims: %s\n", token, claims);
  tessera_policy_free(policy);
  tessera_key_free(key);
  return 0;
}
