/* Shared by the libFuzzer targets in Tests/fuzz: the vector keys (keys.h),
 * a permissive policy, and how a broken invariant is reported: abort(),
 * which libFuzzer records as a crash with the input that caused it. */
#ifndef TESSERA_FUZZ_H
#define TESSERA_FUZZ_H

#include <tessera.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

#define FUZZ_ALGS 13

/* A broken invariant: say which, and crash so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, what)                                                         \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      fprintf(stderr, "invariant broken: %s (%s:%d) [detail: %s]\n", what, __FILE__, __LINE__, \
              tessera_last_error());                                                     \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

/* The status of a call that must not fail on good input. */
#define FUZZ_OK(call) FUZZ_ASSERT((call) == TESSERA_OK, #call)

static tessera_alg fuzz_alg(uint8_t byte) { return (tessera_alg)(1 + byte % FUZZ_ALGS); }

/* Every algorithm allowed, the clock at the RFC 7519 example's time (its exp
 * is 1300819380), generous leeway: verification gets as deep as it can. */
static tessera_policy *fuzz_policy(void) {
  static tessera_policy *p;
  int a;
  if (!p) {
    FUZZ_OK(tessera_policy_new(&p));
    for (a = 1; a <= FUZZ_ALGS; a++) FUZZ_OK(tessera_policy_allow_alg(p, (tessera_alg)a));
    FUZZ_OK(tessera_policy_set_time(p, 1300819000));
    FUZZ_OK(tessera_policy_set_leeway(p, 86400));
    /* The targets generate and mutate claims of every shape, most without
     * exp: every claim check but exp's presence is explored. */
    FUZZ_OK(tessera_policy_set_require_exp(p, 0));
  }
  return p;
}

/* The vector keys (RFC 7515 A.1-A.4, RFC 8037, Wycheproof's JWS keys) as a set. */
static tessera_keyset *fuzz_keyset(void) {
  static tessera_keyset *set;
  if (!set) FUZZ_OK(tessera_keyset_new_jwks(FUZZ_JWKS, strlen(FUZZ_JWKS), &set));
  return set;
}

/* A fresh key for each algorithm that can sign (index = alg - 1). */
static tessera_key *fuzz_signing_key(tessera_alg alg) {
  static tessera_key *keys[FUZZ_ALGS];
  int i = (int)alg - 1;
  if (i < 0 || i >= FUZZ_ALGS) return NULL;
  if (!keys[i]) FUZZ_OK(tessera_key_generate(alg, "fuzz", &keys[i]));
  return keys[i];
}

#endif
