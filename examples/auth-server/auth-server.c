/*
 * auth-server: the auth server a real-time communication platform's customer
 * runs, for all five seed platforms and eleven more, on Tessera: one machine
 * on SQLite, or a fleet of instances on PostgreSQL and Redis.
 *
 *   auth-server --port PORT --config FILE [--check]
 *
 * libmicrohttpd (thread pool) serves HTTP; jansson reads the config and
 * writes JSON bodies; Tessera signs and verifies every credential and token.
 * State lives behind store.h: VideoSDK meetings and Sceenic tokens in the
 * store (sqlite:PATH or postgresql://...), jti marks and rate counters in the
 * cache (redis://...) or, without one, in the store. Callers present a token
 * from the operator's identity provider ("callers") and get credentials for
 * its `sub` only. Keys, templates and policies are built at start-up and
 * again on SIGHUP (requests in flight keep the configuration they started
 * with); SIGTERM drains. Metrics at /metrics, one JSON log line per request
 * on stderr (ops.h). See README.md for the endpoints and the config.
 */
#define _GNU_SOURCE
#include <tessera.h>

#include "ops.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (64 * 1024)
#define MAX_SKYKIT_KEYS 64
#define MAX_PARAMS 16
#define MAX_SUB 256

/* ---- configuration (immutable once built; replaced whole on SIGHUP) ---------- */

struct skykit_key {
  char *issuer;
  tessera_key *key;
  tessera_policy *policy;
};

/* The JWT platforms of tessera_platform_token: each has a config section of
 * its own name (a missing one answers 404) and GET /<name>/token. `key` and
 * `pem` name the section member that holds the HMAC secret or the path of the
 * private key; `fixed` maps section members to the profile's parameters
 * (constant for the server); `query` maps query arguments to parameters
 * (given per request; the library refuses what is missing or malformed, and
 * that is a 400); `always` are constant parameters; `identity` is the query
 * argument that names the user, bound to the caller's `sub`. */
struct jwt_platform {
  const char *name;
  tessera_alg alg;
  const char *key, *pem, *kid_prefix, *kid_suffix, *identity;
  const char *fixed[4][2];
  const char *query[8][2];
  const char *always[2];
  /* Loaded from the config. */
  tessera_key *signing;
  uint32_t ttl;
  char *params[MAX_PARAMS];
  size_t nparams;
};

static const struct jwt_platform platform_profiles[] = {
    {.name = "livekit", .alg = TESSERA_HS256, .key = "apiSecret", .identity = "identity", .fixed = {{"apiKey", "api_key"}},
     .query = {{"identity", "identity"}, {"room", "room"}, {"name", "name"}, {"metadata", "metadata"}},
     .always = {"roomJoin=true"}},
    {.name = "twilio", .alg = TESSERA_HS256, .key = "apiKeySecret", .identity = "identity",
     .fixed = {{"accountSid", "account_sid"}, {"apiKeySid", "api_key_sid"}},
     .query = {{"identity", "identity"}, {"room", "room"}}},
    {.name = "vonage", .alg = TESSERA_RS256, .pem = "privateKey", .fixed = {{"applicationId", "application_id"}},
     .query = {{"sessionId", "session_id"}, {"role", "role"}, {"connectionData", "connection_data"}}},
    {.name = "zoom", .alg = TESSERA_HS256, .key = "sdkSecret", .identity = "userKey", .fixed = {{"sdkKey", "app_key"}},
     .query = {{"sessionName", "tpc"}, {"roleType", "role_type"}, {"userKey", "user_key"}, {"sessionKey", "session_key"}}},
    {.name = "jaas", .alg = TESSERA_RS256, .pem = "privateKey", .kid_prefix = "appId", .kid_suffix = "keyId",
     .identity = "userId",
     .query = {{"room", "room"}, {"userId", "user.id"}, {"name", "user.name"}, {"email", "user.email"},
               {"moderator", "user.moderator"}}},
    {.name = "stream", .alg = TESSERA_HS256, .key = "apiSecret", .identity = "userId", .query = {{"userId", "user_id"}}},
    {.name = "100ms", .alg = TESSERA_HS256, .key = "appSecret", .identity = "userId", .fixed = {{"appAccessKey", "access_key"}},
     .query = {{"roomId", "room_id"}, {"userId", "user_id"}, {"role", "role"}}},
    {.name = "daily", .alg = TESSERA_HS256, .key = "apiKey", .identity = "userId", .fixed = {{"domainId", "domain_id"}},
     .query = {{"room", "room"}, {"userId", "user_id"}, {"userName", "user_name"}, {"isOwner", "is_owner"}}},
};
#define PLATFORM_COUNT (sizeof platform_profiles / sizeof platform_profiles[0])

struct config {
  int refs;      /* requests holding it, plus one while it is the live one */
  json_t *root;  /* the parsed file: strings below may point into it */
  /* Callers: tokens from the operator's identity provider. */
  int anonymous;
  tessera_keyset *caller_keys;
  tessera_policy *caller_policy;
  /* Operators: API keys for POST /revoke. */
  json_t *operator_keys;
  /* Rate limits, shared by every instance through the cache or store. */
  uint32_t rate_window, rate_per_caller, rate_per_address;
  json_t *trusted_proxies;
  /* The server's own tokens (POST /token) and the JWKS it publishes. */
  tessera_key *token_key;
  char *token_issuer, *token_audience;
  uint32_t token_ttl;
  char *jwks;
  /* SkyWay */
  char *skyway_secret;
  uint32_t skyway_ttl;
  json_t *session_tokens; /* array of strings, or NULL: any token accepted */
  /* VideoSDK */
  char *videosdk_apikey;
  tessera_key *videosdk_key;
  tessera_signer *videosdk_signer; /* constant apikey and version; ttl 600 */
  tessera_policy *videosdk_policy;
  uint32_t meeting_ttl;
  /* ApiRTC */
  tessera_signer *apirtc_signer;
  /* Sceenic */
  char *sceenic_apikey;
  tessera_key *sceenic_key;
  /* Skykit */
  struct skykit_key skykit[MAX_SKYKIT_KEYS];
  size_t skykit_count;
  /* TURN */
  char *turn_secret;
  uint32_t turn_ttl;
  json_t *turn_uris;
  /* Agora AccessToken2 */
  char *agora_app_id, *agora_certificate;
  uint32_t agora_expire;
  /* Tencent TRTC UserSig */
  uint64_t trtc_app_id;
  char *trtc_key;
  uint32_t trtc_expire;
  /* Janus signed tokens */
  char *janus_secret;
  uint32_t janus_ttl;
  json_t *janus_plugins; /* holds the names below */
  const char *janus_names[16];
  size_t janus_count;
  /* The JWT platforms. */
  struct jwt_platform plat[PLATFORM_COUNT];
  /* /verify: a key set and a policy from the "verify" section */
  tessera_keyset *verify_keys;
  tessera_policy *verify_policy;
  int verify_replay;
  uint32_t revoke_ttl, verify_leeway;
};

/* Read once at start-up; a reload that changes them says they need a restart. */
static struct {
  char *store_url, *cache_url;
  unsigned connections, per_address;
  uint32_t cleanup_interval, drain_timeout;
} boot;

/* What the request path shares. */
static struct backend *store, *cache; /* cache NULL: the store holds it all */
static volatile int draining;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct config *live;

/* The configuration of the request this thread is serving. */
static __thread struct config *cfg_now;
#define cfg (*cfg_now)

/* While a SIGHUP reload runs, die() returns here instead of exiting. */
static jmp_buf *reload_jump;
static char reload_error[512];

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (reload_jump) {
    vsnprintf(reload_error, sizeof reload_error, fmt, ap);
    va_end(ap);
    longjmp(*reload_jump, 1);
  }
  fputs("auth-server: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void check(int rc, const char *what) {
  if (rc != TESSERA_OK) die("%s: %s (%s)", what, tessera_strerror(rc), tessera_last_error());
}

static const char *config_string(json_t *obj, const char *section, const char *name) {
  const char *v = json_string_value(json_object_get(obj, name));
  if (!v) die("config: %s.%s must be a string", section, name);
  return v;
}

/* An optional whole number of seconds (or a count) in [min, max]; dflt when absent. */
static uint32_t config_uint(json_t *obj, const char *section, const char *name, uint32_t min, uint32_t max, uint32_t dflt) {
  json_t *v = json_object_get(obj, name);
  if (!v) return dflt;
  if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min || json_integer_value(v) > (json_int_t)max)
    die("config: %s%s%s must be an integer from %u to %u", section, *section ? "." : "", name, min, max);
  return (uint32_t)json_integer_value(v);
}

/* Every member of obj must be one of names (NULL-terminated): a misspelt key
 * is an error at start-up, not a setting silently ignored. */
static void config_known(json_t *obj, const char *section, const char *const *names) {
  const char *k;
  json_t *v;
  if (!json_is_object(obj)) die("config: %s must be an object", section);
  json_object_foreach(obj, k, v) {
    size_t i = 0;
    while (names[i] && strcmp(names[i], k) != 0) i++;
    if (!names[i]) die("config: unknown key %s%s%s", section, *section ? "." : "", k);
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = (size_t)n;
  }
  return buf;
}

static char *xstrdup(const char *s) {
  char *p = strdup(s);
  if (!p) die("out of memory");
  return p;
}

/* Frees a string that held a secret, wiping it first. */
static void free_secret(char *s) {
  if (s) explicit_bzero(s, strlen(s));
  free(s);
}

/* Wipes every string in a parsed config (they include the secrets) before
 * jansson frees them. */
static void wipe_json(json_t *v) {
  const char *k;
  json_t *m;
  size_t i;
  if (json_is_string(v)) explicit_bzero((char *)json_string_value(v), json_string_length(v));
  else if (json_is_object(v)) json_object_foreach(v, k, m) wipe_json(m);
  else if (json_is_array(v)) json_array_foreach(v, i, m) wipe_json(m);
}

static void config_free(struct config *c) {
  if (!c) return;
  tessera_keyset_free(c->caller_keys);
  tessera_policy_free(c->caller_policy);
  tessera_key_free(c->token_key);
  free(c->token_issuer);
  free(c->token_audience);
  free(c->jwks);
  free_secret(c->skyway_secret);
  free(c->videosdk_apikey);
  tessera_key_free(c->videosdk_key);
  tessera_signer_free(c->videosdk_signer);
  tessera_policy_free(c->videosdk_policy);
  tessera_signer_free(c->apirtc_signer);
  free(c->sceenic_apikey);
  tessera_key_free(c->sceenic_key);
  for (size_t i = 0; i < c->skykit_count; i++) {
    free(c->skykit[i].issuer);
    tessera_key_free(c->skykit[i].key);
    tessera_policy_free(c->skykit[i].policy);
  }
  free_secret(c->turn_secret);
  free(c->agora_app_id);
  free_secret(c->agora_certificate);
  free_secret(c->trtc_key);
  free_secret(c->janus_secret);
  for (size_t i = 0; i < PLATFORM_COUNT; i++) {
    tessera_key_free(c->plat[i].signing);
    for (size_t k = 0; k < c->plat[i].nparams; k++) free_secret(c->plat[i].params[k]);
  }
  tessera_keyset_free(c->verify_keys);
  tessera_policy_free(c->verify_policy);
  json_decref(c->session_tokens);
  json_decref(c->turn_uris);
  json_decref(c->janus_plugins);
  json_decref(c->operator_keys);
  json_decref(c->trusted_proxies);
  if (c->root) wipe_json(c->root);
  json_decref(c->root);
  free(c);
}

static struct config *config_acquire(void) {
  struct config *c;
  pthread_mutex_lock(&live_lock);
  c = live;
  c->refs++;
  pthread_mutex_unlock(&live_lock);
  return c;
}

static void config_release(struct config *c) {
  int last;
  if (!c) return;
  pthread_mutex_lock(&live_lock);
  last = --c->refs == 0;
  pthread_mutex_unlock(&live_lock);
  if (last) config_free(c);
}

/* The algorithms a section lists, allowed in policy p. */
static void config_algorithms(json_t *sec, const char *section, tessera_policy *p) {
  json_t *algs = json_object_get(sec, "algorithms"), *v;
  size_t i;
  if (!json_is_array(algs) || json_array_size(algs) == 0) die("config: %s.algorithms must name at least one algorithm", section);
  json_array_foreach(algs, i, v) {
    tessera_alg alg;
    if (!json_is_string(v) || tessera_alg_from_name(json_string_value(v), &alg) != TESSERA_OK)
      die("config: %s.algorithms: unknown algorithm", section);
    check(tessera_policy_allow_alg(p, alg), section);
  }
}

/* A JWKS file into a key set. */
static tessera_keyset *config_jwks(json_t *sec, const char *section) {
  const char *path = config_string(sec, section, "jwks");
  size_t len = 0;
  char *text = read_file(path, &len);
  tessera_keyset *set = NULL;
  int rc;
  if (!text) die("config: %s.jwks: cannot read %s", section, path);
  rc = tessera_keyset_new_jwks(text, len, &set);
  free(text);
  if (rc != TESSERA_OK) die("config: %s.jwks: %s (%s)", section, tessera_strerror(rc), tessera_last_error());
  return set;
}

/* issuer, audience, leeway and maxLifetime of a section into policy p. */
static void config_policy(json_t *sec, const char *section, tessera_policy *p) {
  const char *iss = json_string_value(json_object_get(sec, "issuer"));
  const char *aud = json_string_value(json_object_get(sec, "audience"));
  char what[64];
  if (json_object_get(sec, "issuer") && !iss) die("config: %s.issuer must be a string", section);
  if (json_object_get(sec, "audience") && !aud) die("config: %s.audience must be a string", section);
  snprintf(what, sizeof what, "config: %s.issuer", section);
  if (iss) check(tessera_policy_set_issuer(p, iss), what);
  snprintf(what, sizeof what, "config: %s.audience", section);
  if (aud) check(tessera_policy_set_audience(p, aud), what);
  if (json_object_get(sec, "maxLifetime"))
    check(tessera_policy_set_max_lifetime(p, config_uint(sec, section, "maxLifetime", 1, UINT32_MAX, 0)), section);
  if (json_object_get(sec, "leeway"))
    check(tessera_policy_set_leeway(p, config_uint(sec, section, "leeway", 0, 86400, 0)), section);
}

/* "callers": the operator's identity provider. Every minting endpoint takes
 * `Authorization: Bearer <token>` signed by one of its keys, for the policy
 * here (exp and sub required), and mints for the token's sub. */
static void load_callers(struct config *c, json_t *sec) {
  static const char *const known[] = {"jwks", "issuer", "audience", "algorithms", "leeway", "maxLifetime", NULL};
  config_known(sec, "callers", known);
  check(tessera_policy_new(&c->caller_policy), "policy");
  config_algorithms(sec, "callers", c->caller_policy);
  config_policy(sec, "callers", c->caller_policy);
  check(tessera_policy_require_claim(c->caller_policy, "sub"), "callers");
  c->caller_keys = config_jwks(sec, "callers");
}

/* The "verify" section: the keys (an HMAC "secret" used for each HS*
 * algorithm listed, or a "jwks" file) and the policy every token presented
 * to GET /verify must meet; "replay": true refuses a jti seen before. */
static void load_verify(struct config *c, json_t *sec) {
  static const char *const known[] = {"jwks", "secret", "issuer", "audience", "algorithms", "leeway", "maxLifetime",
                                      "replay", "revocationTtl", NULL};
  json_t *algs = json_object_get(sec, "algorithms"), *v, *replay = json_object_get(sec, "replay");
  const char *secret = json_string_value(json_object_get(sec, "secret"));
  size_t i;
  config_known(sec, "verify", known);
  if (json_object_get(sec, "secret") && !secret) die("config: verify.secret must be a string");
  if (!secret == !json_object_get(sec, "jwks")) die("config: verify needs exactly one of secret and jwks");
  if (replay && !json_is_boolean(replay)) die("config: verify.replay must be true or false");
  c->verify_replay = json_is_true(replay);
  c->verify_leeway = config_uint(sec, "verify", "leeway", 0, 86400, 0);
  c->revoke_ttl = config_uint(sec, "verify", "revocationTtl", 1, 365 * 86400,
                              config_uint(sec, "verify", "maxLifetime", 1, UINT32_MAX, 86400));
  check(tessera_policy_new(&c->verify_policy), "policy");
  config_algorithms(sec, "verify", c->verify_policy);
  config_policy(sec, "verify", c->verify_policy);
  if (c->verify_replay) check(tessera_policy_require_claim(c->verify_policy, "jti"), "verify.replay");
  if (secret) {
    check(tessera_keyset_new(&c->verify_keys), "verify keys");
    json_array_foreach(algs, i, v) {
      tessera_alg alg;
      tessera_alg_from_name(json_string_value(v), &alg);
      if (alg >= TESSERA_HS256 && alg <= TESSERA_HS512) {
        tessera_key *k = NULL;
        check(tessera_key_new_hmac(alg, secret, strlen(secret), NULL, &k), "config: verify.secret");
        check(tessera_keyset_add(c->verify_keys, k), "config: verify.secret");
        tessera_key_free(k); /* the set keeps its own reference */
      }
    }
  } else {
    c->verify_keys = config_jwks(sec, "verify");
  }
}

/* "tokens": the server's own access tokens. keys[0] signs (the current
 * key); every key is published at /.well-known/jwks.json, so the next key
 * is known to verifiers before it signs anything (rotation: move it first,
 * add a new next one, SIGHUP). */
static void load_tokens(struct config *c, json_t *sec) {
  static const char *const known[] = {"issuer", "audience", "ttl", "algorithm", "keys", NULL};
  json_t *keys = json_object_get(sec, "keys"), *k;
  const char *alg_name = config_string(sec, "tokens", "algorithm");
  tessera_alg alg;
  tessera_keyset *set = NULL;
  size_t i, n = 0;
  config_known(sec, "tokens", known);
  if (tessera_alg_from_name(alg_name, &alg) != TESSERA_OK || (alg >= TESSERA_HS256 && alg <= TESSERA_HS512))
    die("config: tokens.algorithm must be an asymmetric JWS algorithm (RS256, ES256, EdDSA, ...)");
  c->token_issuer = xstrdup(config_string(sec, "tokens", "issuer"));
  c->token_audience = xstrdup(config_string(sec, "tokens", "audience"));
  c->token_ttl = config_uint(sec, "tokens", "ttl", 1, 86400, 600);
  if (!json_is_array(keys) || json_array_size(keys) < 1 || json_array_size(keys) > 8)
    die("config: tokens.keys must list 1 to 8 keys, the current one first");
  check(tessera_keyset_new(&set), "tokens");
  json_array_foreach(keys, i, k) {
    tessera_key *key = NULL;
    const char *path;
    char *pem;
    size_t len = 0;
    int rc;
    const char *kid;
    if (!json_is_object(k)) {
      tessera_keyset_free(set);
      die("config: tokens.keys[%zu] must be an object", i);
    }
    /* Every member read before the key file: nothing can die while a
     * private key is in memory. */
    if (json_object_size(k) != 2 || !json_string_value(json_object_get(k, "kid")) ||
        !json_string_value(json_object_get(k, "privateKey"))) {
      tessera_keyset_free(set);
      die("config: tokens.keys[%zu] must hold kid and privateKey (strings), nothing else", i);
    }
    kid = json_string_value(json_object_get(k, "kid"));
    path = json_string_value(json_object_get(k, "privateKey"));
    if (!(pem = read_file(path, &len))) {
      tessera_keyset_free(set);
      die("config: tokens.keys[%zu].privateKey: cannot read %s", i, path);
    }
    rc = tessera_key_new_pem(alg, pem, len, kid, &key);
    explicit_bzero(pem, len);
    free(pem);
    if (rc != TESSERA_OK) {
      tessera_keyset_free(set);
      die("config: tokens.keys[%zu]: %s (%s)", i, tessera_strerror(rc), tessera_last_error());
    }
    rc = tessera_keyset_add(set, key);
    if (i == 0) c->token_key = key;
    else tessera_key_free(key);
    if (rc != TESSERA_OK) {
      if (i == 0) c->token_key = NULL, tessera_key_free(key);
      tessera_keyset_free(set);
      die("config: tokens.keys[%zu]: %s (%s)", i, tessera_strerror(rc), tessera_last_error());
    }
  }
  if (tessera_keyset_export_jwks(set, NULL, 0, &n) != TESSERA_E_BUFFER_TOO_SMALL || !(c->jwks = malloc(n + 1)) ||
      tessera_keyset_export_jwks(set, c->jwks, n + 1, &n) != TESSERA_OK) {
    tessera_keyset_free(set);
    die("config: tokens: cannot export the JWKS");
  }
  tessera_keyset_free(set);
}

static char *param(const char *name, const char *value) {
  size_t n = strlen(name) + 1 + strlen(value) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s=%s", name, value);
  return p;
}

static void load_platform(struct jwt_platform *pl, json_t *sec) {
  json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
  if (!json_is_object(sec)) die("config: %s must be an object", pl->name);
  if (ttl < 0 || ttl > UINT32_MAX) die("config: %s.ttl must be 0 (the platform's default) to 4294967295", pl->name);
  pl->ttl = (uint32_t)ttl;
  if (pl->key) {
    const char *secret = config_string(sec, pl->name, pl->key);
    check(tessera_key_new_hmac(pl->alg, secret, strlen(secret), NULL, &pl->signing), pl->name);
  } else {
    size_t len = 0;
    char kid[512];
    const char *path = config_string(sec, pl->name, pl->pem);
    char *pem;
    int rc;
    if (pl->kid_prefix) /* read before the key: nothing dies while it is in memory */
      snprintf(kid, sizeof kid, "%s/%s", config_string(sec, pl->name, pl->kid_prefix),
               config_string(sec, pl->name, pl->kid_suffix));
    if (!(pem = read_file(path, &len))) die("config: %s.%s: cannot read %s", pl->name, pl->pem, path);
    rc = tessera_key_new_pem(pl->alg, pem, len, pl->kid_prefix ? kid : NULL, &pl->signing);
    explicit_bzero(pem, len);
    free(pem);
    check(rc, pl->name);
  }
  for (size_t i = 0; i < 4 && pl->fixed[i][0]; i++)
    if (!(pl->params[pl->nparams++] = param(pl->fixed[i][1], config_string(sec, pl->name, pl->fixed[i][0]))))
      die("out of memory");
  for (size_t i = 0; i < 2 && pl->always[i]; i++) pl->params[pl->nparams++] = xstrdup(pl->always[i]);
  {
    /* The configuration's part checked now: the key's algorithm, its kid
     * and the lifetime (TESSERA_E_ARGUMENT is what the probe lacks: the
     * request's parameters). */
    char probe[64];
    size_t n = 0;
    int rc = tessera_platform_token(pl->signing, pl->name, (const char *const *)pl->params, pl->nparams, tessera_now(),
                                    pl->ttl, probe, sizeof probe, &n);
    if (rc != TESSERA_OK && rc != TESSERA_E_BUFFER_TOO_SMALL && rc != TESSERA_E_ARGUMENT)
      die("config: %s: %s (%s)", pl->name, tessera_strerror(rc), tessera_last_error());
  }
}

/* Builds a configuration from the file. At start-up (first) it also reads
 * what only a restart changes: the store, the cache, the connection limits,
 * the cleanup interval and the drain timeout. Any error dies with one line
 * naming the key (or, during a reload, returns there: see reload()). */
static struct config *load_config(const char *path, int first) {
  static const char *const known[] = {
      "database", "store", "cache", "allowAnonymous", "callers", "operators", "limits", "trustedProxies", "tokens",
      "cleanupInterval", "drainTimeout", "skyway", "videosdk", "apirtc", "sceenic", "skykit", "turn", "agora", "trtc",
      "janus", "verify", "livekit", "twilio", "vonage", "zoom", "jaas", "stream", "100ms", "daily", NULL};
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *sec, *v;
  struct config *c = calloc(1, sizeof *c);
  struct config *previous = cfg_now;
  if (!c) die("out of memory");
  if (!root) {
    free(c);
    /* Line and column only: jansson's text can quote part of a secret. */
    die("config %s: not valid JSON (line %d, column %d)", path, jerr.line, jerr.column);
  }
  c->root = root;
  c->refs = 1;
  cfg_now = c; /* the probes below run with the configuration being built */
  (void)previous;
  memcpy(c->plat, platform_profiles, sizeof c->plat);
  config_known(root, "", known);

  /* Start-up only. */
  if (first) {
    const char *url = json_string_value(json_object_get(root, "store"));
    const char *db = json_string_value(json_object_get(root, "database"));
    const char *cache_url = json_string_value(json_object_get(root, "cache"));
    json_t *limits = json_object_get(root, "limits");
    if (json_object_get(root, "store") && !url) die("config: store must be a string (sqlite:PATH or postgresql://...)");
    if (json_object_get(root, "database") && !db) die("config: database must be a path");
    if (url && db) die("config: give store or database (the old name of store: sqlite:PATH), not both");
    if (url && strncmp(url, "sqlite:", 7) && strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))
      die("config: store must be sqlite:PATH or postgresql://...");
    if (json_object_get(root, "cache") && (!cache_url || strncmp(cache_url, "redis://", 8)))
      die("config: cache must be redis://host:port/db");
    if (url) boot.store_url = xstrdup(url);
    else {
      boot.store_url = malloc(strlen(db ? db : "auth-server.db") + 8);
      if (!boot.store_url) die("out of memory");
      sprintf(boot.store_url, "sqlite:%s", db ? db : "auth-server.db");
    }
    if (cache_url) boot.cache_url = xstrdup(cache_url);
    if (limits) {
      static const char *const lk[] = {"connections", "connectionsPerAddress", "rate", NULL};
      config_known(limits, "limits", lk);
    }
    boot.connections = config_uint(limits, "limits", "connections", 1, 1000000, 1024);
    boot.per_address = config_uint(limits, "limits", "connectionsPerAddress", 0, 1000000, 0);
    boot.cleanup_interval = config_uint(root, "", "cleanupInterval", 1, 86400, 300);
    boot.drain_timeout = config_uint(root, "", "drainTimeout", 0, 3600, 30);
  }

  v = json_object_get(root, "allowAnonymous");
  if (v && !json_is_boolean(v)) die("config: allowAnonymous must be true or false");
  c->anonymous = json_is_true(v);
  if ((sec = json_object_get(root, "callers"))) load_callers(c, sec);
  if (!c->caller_keys && !c->anonymous)
    die("config: callers is missing: give a callers section (jwks, issuer, audience, algorithms) or, for a demo, "
        "\"allowAnonymous\": true");
  if (c->caller_keys && c->anonymous) die("config: allowAnonymous and callers exclude each other");
  if ((sec = json_object_get(root, "operators"))) {
    static const char *const ok[] = {"apiKeys", NULL};
    size_t i;
    config_known(sec, "operators", ok);
    c->operator_keys = json_incref(json_object_get(sec, "apiKeys"));
    if (!json_is_array(c->operator_keys) || json_array_size(c->operator_keys) == 0)
      die("config: operators.apiKeys must list at least one key");
    json_array_foreach(c->operator_keys, i, v)
      if (!json_is_string(v) || json_string_length(v) < 16) die("config: operators.apiKeys must be strings of 16 bytes or more");
  }
  {
    json_t *rate = json_object_get(json_object_get(root, "limits"), "rate");
    if (rate) {
      static const char *const rk[] = {"window", "perCaller", "perAddress", NULL};
      config_known(rate, "limits.rate", rk);
    }
    c->rate_window = config_uint(rate, "limits.rate", "window", 1, 86400, 60);
    c->rate_per_caller = config_uint(rate, "limits.rate", "perCaller", 0, UINT32_MAX, 0);
    c->rate_per_address = config_uint(rate, "limits.rate", "perAddress", 0, UINT32_MAX, 0);
  }
  if ((v = json_object_get(root, "trustedProxies"))) {
    size_t i;
    json_t *p;
    if (!json_is_array(v)) die("config: trustedProxies must be an array of addresses");
    json_array_foreach(v, i, p) {
      unsigned char a[16];
      if (!json_is_string(p) || (inet_pton(AF_INET, json_string_value(p), a) != 1 && inet_pton(AF_INET6, json_string_value(p), a) != 1))
        die("config: trustedProxies must hold IPv4 or IPv6 addresses");
    }
    c->trusted_proxies = json_incref(v);
  }
  if ((sec = json_object_get(root, "tokens"))) load_tokens(c, sec);

  if ((sec = json_object_get(root, "skyway"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    c->skyway_secret = xstrdup(config_string(sec, "skyway", "secretKey"));
    if (ttl < TESSERA_CREDENTIAL_TTL_MIN || ttl > TESSERA_CREDENTIAL_TTL_MAX) die("config: skyway.ttl must be 600-90000");
    c->skyway_ttl = (uint32_t)ttl;
    c->session_tokens = json_incref(json_object_get(sec, "sessionTokens"));
    if (c->session_tokens && !json_is_array(c->session_tokens)) die("config: skyway.sessionTokens must be an array");
  }
  if ((sec = json_object_get(root, "videosdk"))) {
    const char *secret = config_string(sec, "videosdk", "secret");
    c->videosdk_apikey = xstrdup(config_string(sec, "videosdk", "apiKey"));
    c->meeting_ttl = config_uint(sec, "videosdk", "meetingTtl", 1, 365 * 86400, 7 * 86400);
    check(tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &c->videosdk_key), "config: videosdk.secret");
    {
      json_t *constant = json_pack("{s:s, s:i}", "apikey", c->videosdk_apikey, "version", 2);
      char *text = json_dumps(constant, JSON_COMPACT);
      int rc = text ? tessera_signer_new(c->videosdk_key, text, strlen(text), 600, 0, &c->videosdk_signer) : TESSERA_E_NOMEM;
      free(text);
      json_decref(constant);
      check(rc, "config: videosdk template");
    }
    check(tessera_policy_new(&c->videosdk_policy), "policy");
    check(tessera_policy_allow_alg(c->videosdk_policy, TESSERA_HS256), "policy");
    check(tessera_policy_set_max_lifetime(c->videosdk_policy, 600), "policy");
    check(tessera_policy_require_claim(c->videosdk_policy, "apikey"), "policy");
  }
  if ((sec = json_object_get(root, "apirtc"))) {
    const char *secret = config_string(sec, "apirtc", "secret");
    tessera_key *k = NULL;
    json_t *constant = json_pack("{s:s, s:s}", "sub", config_string(sec, "apirtc", "apiKey"), "aud", "apiRTC");
    char *text = json_dumps(constant, JSON_COMPACT);
    int rc = tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &k);
    if (rc == TESSERA_OK) rc = text ? tessera_signer_new(k, text, strlen(text), 3600, TESSERA_ISSUE_JTI, &c->apirtc_signer) : TESSERA_E_NOMEM;
    tessera_key_free(k); /* the template keeps its own reference */
    free(text);
    json_decref(constant);
    check(rc, "config: apirtc");
  }
  if ((sec = json_object_get(root, "sceenic"))) {
    const char *secret = config_string(sec, "sceenic", "apiSecret");
    c->sceenic_apikey = xstrdup(config_string(sec, "sceenic", "apiKey"));
    check(tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &c->sceenic_key), "config: sceenic.apiSecret");
  }
  if ((sec = json_object_get(root, "skykit"))) {
    const char *issuer;
    json_t *path;
    if (!json_is_object(json_object_get(sec, "keys"))) die("config: skykit.keys must map issuers to PEM files");
    json_object_foreach(json_object_get(sec, "keys"), issuer, path) {
      size_t len = 0;
      char *pem;
      struct skykit_key *s = &c->skykit[c->skykit_count];
      int rc;
      if (c->skykit_count == MAX_SKYKIT_KEYS) die("config: at most %d Skykit keys", MAX_SKYKIT_KEYS);
      if (!json_is_string(path) || !(pem = read_file(json_string_value(path), &len)))
        die("config: skykit.keys: the key for %s: cannot read its PEM", issuer);
      s->issuer = xstrdup(issuer);
      c->skykit_count++;
      rc = tessera_key_new_pem(TESSERA_RS256, pem, len, NULL, &s->key);
      free(pem);
      check(rc, "config: skykit.keys");
      /* Skykit: RS256, iss the registered e-mail, lifetime at most one hour. */
      check(tessera_policy_new(&s->policy), "policy");
      check(tessera_policy_allow_alg(s->policy, TESSERA_RS256), "policy");
      check(tessera_policy_set_issuer(s->policy, issuer), "config: skykit issuer");
      check(tessera_policy_set_max_lifetime(s->policy, 3600), "policy");
    }
  }
  if ((sec = json_object_get(root, "turn"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    c->turn_secret = xstrdup(config_string(sec, "turn", "secret"));
    if (ttl <= 0 || ttl > 7 * 86400) die("config: turn.ttl must be 1-604800");
    c->turn_ttl = (uint32_t)ttl;
    c->turn_uris = json_incref(json_object_get(sec, "uris"));
    if (!json_is_array(c->turn_uris)) die("config: turn.uris must be an array");
  }
  if ((sec = json_object_get(root, "agora"))) {
    json_int_t expire = json_integer_value(json_object_get(sec, "expire"));
    c->agora_app_id = xstrdup(config_string(sec, "agora", "appId"));
    c->agora_certificate = xstrdup(config_string(sec, "agora", "appCertificate"));
    if (expire <= 0 || expire > 86400) die("config: agora.expire must be 1-86400");
    c->agora_expire = (uint32_t)expire;
    {
      char probe[512];
      size_t n = 0;
      check(tessera_agora_rtm_token(c->agora_app_id, c->agora_certificate, "probe", 1, 0, 1, probe, sizeof probe, &n),
            "config: agora (appId and appCertificate: 32 hex characters each)");
    }
  }
  if ((sec = json_object_get(root, "trtc"))) {
    json_int_t app = json_integer_value(json_object_get(sec, "sdkAppId"));
    json_int_t expire = json_integer_value(json_object_get(sec, "expire"));
    if (app <= 0) die("config: trtc.sdkAppId must be a positive integer");
    if (expire <= 0 || expire > UINT32_MAX) die("config: trtc.expire must be a positive number of seconds");
    c->trtc_app_id = (uint64_t)app;
    c->trtc_key = xstrdup(config_string(sec, "trtc", "secretKey"));
    c->trtc_expire = (uint32_t)expire;
    {
      char probe[512];
      size_t n = 0;
      check(tessera_trtc_usersig(c->trtc_app_id, c->trtc_key, strlen(c->trtc_key), "probe", c->trtc_expire, 0, probe,
                                 sizeof probe, &n), "config: trtc");
    }
  }
  if ((sec = json_object_get(root, "janus"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    c->janus_secret = xstrdup(config_string(sec, "janus", "tokenAuthSecret"));
    if (ttl <= 0 || ttl > 7 * 86400) die("config: janus.ttl must be 1-604800");
    c->janus_ttl = (uint32_t)ttl;
    c->janus_plugins = json_incref(json_object_get(sec, "plugins"));
    if (!json_is_array(c->janus_plugins) || json_array_size(c->janus_plugins) > 16)
      die("config: janus.plugins must be an array of at most 16 plugin names");
    c->janus_count = json_array_size(c->janus_plugins);
    for (size_t i = 0; i < c->janus_count; i++)
      if (!(c->janus_names[i] = json_string_value(json_array_get(c->janus_plugins, i))))
        die("config: janus.plugins must hold strings");
    {
      char probe[2048];
      size_t n = 0;
      check(tessera_janus_token(c->janus_secret, strlen(c->janus_secret), 0, c->janus_names, c->janus_count, probe,
                                sizeof probe, &n),
            "config: janus (plugin names: no ',' or ':')");
    }
  }
  for (size_t i = 0; i < PLATFORM_COUNT; i++)
    if ((sec = json_object_get(root, c->plat[i].name))) load_platform(&c->plat[i], sec);
  if ((sec = json_object_get(root, "verify"))) load_verify(c, sec);
  return c;
}

/* SIGHUP: the file read again into a new configuration, swapped in whole.
 * Requests in flight finish on the one they started with; it is freed (its
 * secrets wiped) when the last of them ends. A file that does not load
 * leaves the running configuration as it was. */
static void reload(const char *path) {
  jmp_buf jump;
  struct config *volatile fresh = NULL, *old;
  if (setjmp(jump) != 0) {
    reload_jump = NULL;
    if (cfg_now && cfg_now != live) config_free(cfg_now); /* what was built before the error */
    cfg_now = NULL;
    metrics_reload(0);
    log_event("error", "reload failed, the running configuration stays: %s", reload_error);
    return;
  }
  reload_jump = &jump;
  fresh = load_config(path, 0);
  reload_jump = NULL;
  cfg_now = NULL;
  {
    json_t *root = fresh->root;
    const char *url = json_string_value(json_object_get(root, "store"));
    const char *cache_url = json_string_value(json_object_get(root, "cache"));
    if ((url && strcmp(url, boot.store_url)) || (!cache_url) != (!boot.cache_url) ||
        (cache_url && strcmp(cache_url, boot.cache_url)) || json_object_get(root, "limits") ||
        json_object_get(root, "cleanupInterval") || json_object_get(root, "drainTimeout"))
      log_event("info", "reload: store, cache, limits.connections, limits.connectionsPerAddress, cleanupInterval "
                        "and drainTimeout are read at start-up only");
  }
  pthread_mutex_lock(&live_lock);
  old = live;
  live = fresh;
  pthread_mutex_unlock(&live_lock);
  config_release(old);
  metrics_reload(1);
  log_event("info", "configuration reloaded from %s", path);
}

/* ---- requests ------------------------------------------------------------------ */

struct request {
  char *body;
  size_t len;
  int too_large;
  struct timespec start;
  struct config *config; /* held from the first call to completion */
  int endpoint;          /* metrics label */
  char id[40];
  char client[INET6_ADDRSTRLEN];
  char sub[MAX_SUB + 1]; /* the caller's, when one authenticated */
  char detail[256];      /* the library's reason, for the log only */
};

struct reply {
  unsigned status;
  char *body;               /* malloc'd; JSON unless content_type says otherwise */
  const char *content_type; /* NULL: application/json */
  const char *www_authenticate;
  const char *allow;        /* 405: the method the path takes */
  unsigned retry_after;     /* 429: seconds */
  char subject[MAX_SUB + 1]; /* /verify: X-Auth-Subject, when the token's sub is printable ASCII */
}; /* members left out of an initializer are zero: no extra headers */

static struct reply json_reply(unsigned status, json_t *obj) {
  struct reply r = {.status = status, .body = json_dumps(obj, JSON_COMPACT)};
  json_decref(obj);
  return r;
}

static struct reply error_reply(unsigned status, const char *message) {
  return json_reply(status, json_pack("{s:s}", "error", message));
}

/* A refusal the library decided. The client gets a generic code and a
 * category; the library's detail (tessera_last_error) goes to the log only.
 * A 401 is a refused token, counted by its reason. */
static struct reply tessera_error_reply(struct request *rq, unsigned status, int rc) {
  const char *code = status == 401 ? "invalid_token" : status >= 500 ? "server_error" : "invalid_request";
  struct reply r;
  snprintf(rq->detail, sizeof rq->detail, "%s: %s", tessera_strerror(rc), tessera_last_error());
  r = json_reply(status, json_pack("{s:s, s:s}", "error", code, "category", status_category(rc)));
  if (status == 401) {
    r.www_authenticate = "Bearer realm=\"tessera\", error=\"invalid_token\"";
    metrics_verify_failure(rc);
  }
  return r;
}

/* A token refused for a reason of the server's own (missing, replayed, revoked). */
static struct reply refused_reply(struct request *rq, int reason) {
  struct reply r;
  if (!rq->detail[0])
    snprintf(rq->detail, sizeof rq->detail, "%s", reason == REASON_MISSING ? "no Bearer token" : status_category(reason));
  r = json_reply(401, json_pack("{s:s, s:s}", "error", "invalid_token", "category", status_category(reason)));
  r.www_authenticate = reason == REASON_MISSING ? "Bearer realm=\"tessera\"" : "Bearer realm=\"tessera\", error=\"invalid_token\"";
  metrics_verify_failure(reason);
  return r;
}

/* The store or cache did not answer: 503, the reason in the log. */
static struct reply unavailable_reply(struct request *rq, const char *what) {
  snprintf(rq->detail, sizeof rq->detail, "%s: %s", what, store_error());
  return json_reply(503, json_pack("{s:s, s:s}", "error", "unavailable", "category", what));
}

/* Equal strings, in time that depends on their lengths only. */
static int secret_equal(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
  unsigned char diff = (unsigned char)(la != lb);
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)((i < la ? (unsigned char)a[i] : 0) ^ (i < lb ? (unsigned char)b[i] : 0));
  return diff == 0;
}

/* Whether s matches any string of the array, looking at every entry. */
static int secret_listed(json_t *list, const char *s) {
  size_t i;
  json_t *v;
  int found = 0;
  json_array_foreach(list, i, v) found |= json_is_string(v) && secret_equal(json_string_value(v), s);
  return found;
}

/* ---- the store, timed and counted ---------------------------------------------- */

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Which backend holds the short-lived state, and its metrics role. */
#define SHORT_LIVED (cache ? cache : store)
#define SHORT_ROLE (cache ? 1 : 0)

#define STORE_CALL(role, expr)                                   \
  ({                                                             \
    struct timespec t0_;                                         \
    int rc_;                                                     \
    clock_gettime(CLOCK_MONOTONIC, &t0_);                        \
    rc_ = (expr);                                                \
    metrics_store_call((role), rc_ != STORE_ERROR, since(&t0_)); \
    if (rc_ == STORE_ERROR) log_event("error", "%s: %s", (role) ? "cache" : "store", store_error()); \
    rc_;                                                         \
  })

/* Strict percent-decoding of a form value: '+' is a space; a '%' must start
 * two hex digits; the result must be UTF-8 without NUL. Returns 0 on success. */
static int form_decode(const char *s, size_t n, char *out, size_t cap) {
  size_t i, o = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (o + 1 >= cap) return -1;
    if (c == '+') {
      out[o++] = ' ';
    } else if (c == '%') {
      int hi, lo;
      if (i + 2 >= n) return -1; /* needs two more characters */
      hi = s[i + 1] >= '0' && s[i + 1] <= '9' ? s[i + 1] - '0' : (s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'f' ? (s[i + 1] | 0x20) - 'a' + 10 : -1;
      lo = s[i + 2] >= '0' && s[i + 2] <= '9' ? s[i + 2] - '0' : (s[i + 2] | 0x20) >= 'a' && (s[i + 2] | 0x20) <= 'f' ? (s[i + 2] | 0x20) - 'a' + 10 : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return -1;
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
  return 0;
}

/* The value of `name` in an application/x-www-form-urlencoded body, decoded
 * into out. 1 found, 0 absent, -1 malformed. */
static int form_value(const char *body, size_t len, const char *name, char *out, size_t cap) {
  size_t i = 0, nl = strlen(name);
  while (i < len) {
    size_t end = i, eq;
    while (end < len && body[end] != '&') end++;
    eq = i;
    while (eq < end && body[eq] != '=') eq++;
    if (eq - i == nl && memcmp(body + i, name, nl) == 0) {
      if (eq == end) return -1;
      return form_decode(body + eq + 1, end - eq - 1, out, cap) == 0 ? 1 : -1;
    }
    i = end + 1;
  }
  return 0;
}

/* A printable ASCII id of 1-128 characters from the URL (path parameters). */
static int valid_id(const char *s) {
  size_t n = strlen(s), i;
  if (n == 0 || n > 128) return 0;
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
      return 0;
  return 1;
}

/* Safe to send as a header value: no control characters, nothing beyond ASCII. */
static int printable_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

static int random_bytes(unsigned char *b, size_t n) { return getrandom(b, n, 0) == (ssize_t)n ? 0 : -1; }

static int random_letters(char *out, size_t n) {
  unsigned char b[64];
  if (n > sizeof b || random_bytes(b, n) != 0) return -1;
  for (size_t i = 0; i < n; i++) out[i] = (char)('a' + b[i] % 26);
  return 0;
}

static int random_hex(char *out, size_t bytes) {
  unsigned char b[32];
  if (bytes > sizeof b || random_bytes(b, bytes) != 0) return -1;
  for (size_t i = 0; i < bytes; i++) sprintf(out + 2 * i, "%02x", b[i]);
  return 0;
}

/* The token in an Authorization header: "Bearer <token>" or the bare token
 * (VideoSDK's clients send it bare). */
static const char *bearer(struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (!h) return NULL;
  if (strncasecmp(h, "Bearer ", 7) == 0) h += 7;
  return *h ? h : NULL;
}

/* Only "Bearer <token>" (RFC 6750), for callers, operators and /verify. */
static const char *strict_bearer(struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) return NULL;
  return h + 7;
}

/* ---- callers, identities and rate limits ------------------------------------------- */

/* The caller's token checked against "callers"; its sub kept in rq->sub.
 * 1 when the request may go on; 0 with the refusal in *fail. */
static int authenticate_caller(struct MHD_Connection *c, struct request *rq, struct reply *fail) {
  const char *token;
  char *claims;
  size_t n = 0;
  int rc;
  json_t *parsed;
  const char *sub;
  if (!cfg.caller_keys) return 1; /* allowAnonymous */
  if (!(token = strict_bearer(c))) {
    *fail = refused_reply(rq, REASON_MISSING);
    return 0;
  }
  if (!(claims = malloc(TESSERA_TOKEN_MAX))) {
    *fail = error_reply(500, "out of memory");
    return 0;
  }
  rc = tessera_jwt_verify_keyset(cfg.caller_keys, token, strlen(token), cfg.caller_policy, claims, TESSERA_TOKEN_MAX, &n);
  if (rc != TESSERA_OK) {
    free(claims);
    *fail = tessera_error_reply(rq, 401, rc);
    return 0;
  }
  parsed = json_loadb(claims, n, 0, NULL);
  free(claims);
  sub = json_string_value(json_object_get(parsed, "sub"));
  if (!sub || !*sub || strlen(sub) > MAX_SUB) {
    json_decref(parsed);
    snprintf(rq->detail, sizeof rq->detail, "the caller's sub is not a string of 1 to %d bytes", MAX_SUB);
    *fail = refused_reply(rq, TESSERA_E_CLAIM);
    return 0;
  }
  strcpy(rq->sub, sub);
  json_decref(parsed);
  return 1;
}

/* The identity a credential is minted for: the caller's sub. A request that
 * names another one is 403; one that names none gets the sub. Without
 * callers (allowAnonymous) the request's own value stands. 1, or 0 with
 * the refusal in *fail. */
static int identity(struct request *rq, const char *requested, const char **out, struct reply *fail) {
  if (!rq->sub[0]) {
    *out = requested;
    return 1;
  }
  if (requested && strcmp(requested, rq->sub) != 0) {
    *fail = json_reply(403, json_pack("{s:s, s:s}", "error", "forbidden", "category", "identity"));
    snprintf(rq->detail, sizeof rq->detail, "the request names an identity other than the caller's sub");
    return 0;
  }
  *out = rq->sub;
  return 1;
}

/* One more request against a limit shared by every instance: 1 within it;
 * 0 with a 429 in *fail. A store that does not answer lets the request
 * through (minting goes on while the cache is away; the error is counted
 * and logged). */
static int within_limit(const char *scope, const char *who, uint32_t limit, struct reply *fail) {
  char key[MAX_SUB + 64];
  int64_t now = tessera_now(), window = now - now % cfg.rate_window, n = 0;
  if (!limit) return 1;
  snprintf(key, sizeof key, "%s:%s", scope, who);
  if (STORE_CALL(SHORT_ROLE, SHORT_LIVED->ops->count(SHORT_LIVED, key, window, cfg.rate_window, &n)) != STORE_OK) return 1;
  if (n <= (int64_t)limit) return 1;
  metrics_rate_limited(scope[0] == 'c');
  *fail = json_reply(429, json_pack("{s:s, s:s}", "error", "rate_limited", "category", scope[0] == 'c' ? "caller" : "address"));
  fail->retry_after = (unsigned)(window + cfg.rate_window - now);
  return 0;
}

/* The client's address: the peer's, or, when the peer is a trusted proxy,
 * the last address it appended to X-Forwarded-For (or its X-Real-IP). */
static void client_address(struct MHD_Connection *c, struct request *rq) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = info ? info->client_addr : NULL;
  size_t i;
  json_t *v;
  int trusted = 0;
  strcpy(rq->client, "-");
  if (sa && sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, rq->client, sizeof rq->client);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, rq->client, sizeof rq->client);
  json_array_foreach(cfg.trusted_proxies, i, v) trusted |= !strcmp(json_string_value(v), rq->client);
  if (trusted) {
    const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
    const char *last = xff ? strrchr(xff, ',') : NULL;
    char addr[INET6_ADDRSTRLEN + 8];
    unsigned char bin[16];
    const char *pick = xff ? (last ? last + 1 : xff) : real;
    if (pick) {
      while (*pick == ' ') pick++;
      snprintf(addr, sizeof addr, "%.*s", (int)strcspn(pick, " "), pick);
      if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1) strcpy(rq->client, addr);
    }
  }
}

/* ---- platform handlers -------------------------------------------------------------
 * Each takes the connection, the request, the rest of the path after a
 * prefix route, and the route's argument. */

#define HANDLER(name) static struct reply name(struct MHD_Connection *c, struct request *rq, const char *tail, int arg)
#define UNUSED_ARGS (void)c, (void)rq, (void)tail, (void)arg

/* POST /authenticate (SkyWay): form peerId (the caller's sub when callers
 * are configured; optional then) and sessionToken. */
HANDLER(skyway_authenticate) {
  char peer[256], session[256];
  char out[1024];
  const char *who;
  size_t n = 0;
  int a, b, rc;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.skyway_secret) return error_reply(404, "SkyWay is not configured");
  a = form_value(rq->body, rq->len, "peerId", peer, sizeof peer);
  b = form_value(rq->body, rq->len, "sessionToken", session, sizeof session);
  if (a < 0 || b < 0) return error_reply(400, "malformed form body");
  if (b == 0 || (a == 0 && !rq->sub[0]) || (a == 1 && !*peer)) return error_reply(400, "peerId and sessionToken are required");
  if (json_is_array(cfg.session_tokens) && !secret_listed(cfg.session_tokens, session))
    return error_reply(401, "unknown session token");
  if (!identity(rq, a == 1 ? peer : NULL, &who, &fail)) return fail;
  rc = tessera_credential_json(cfg.skyway_secret, strlen(cfg.skyway_secret), who, strlen(who), tessera_now(),
                               cfg.skyway_ttl, out, sizeof out, &n);
  if (rc == TESSERA_E_MALFORMED || rc == TESSERA_E_ARGUMENT) return tessera_error_reply(rq, 400, rc);
  if (rc != TESSERA_OK) return tessera_error_reply(rq, 500, rc);
  return (struct reply){.status = 200, .body = strdup(out)};
}

/* {"token"} from a signer template and the per-token claims in `extra`
 * (taken; NULL when json_pack refused the request's strings: a 400 saying
 * `bad`). Claims the library refuses are the request's (400). */
static struct reply template_token(struct request *rq, const tessera_signer *signer, json_t *extra, const char *bad) {
  char *text, token[2048];
  size_t n = 0;
  int rc;
  if (!extra) return error_reply(400, bad);
  text = json_dumps(extra, JSON_COMPACT);
  json_decref(extra);
  if (!text) return error_reply(500, "out of memory");
  rc = tessera_signer_sign(signer, text, strlen(text), tessera_now(), token, sizeof token, &n);
  free(text);
  if (rc == TESSERA_E_MALFORMED) return tessera_error_reply(rq, 400, rc);
  if (rc != TESSERA_OK) return tessera_error_reply(rq, 500, rc);
  return json_reply(200, json_pack("{s:s}", "token", token));
}

/* GET /get-token[?permissions=a,b] (VideoSDK); participantId is the
 * caller's sub when callers are configured. */
HANDLER(videosdk_get_token) {
  const char *perms = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "permissions");
  json_t *list;
  int count = 0;
  UNUSED_ARGS;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!perms) perms = "allow_join";
  list = json_array();
  while (*perms) {
    size_t len = strcspn(perms, ",");
    if (!((len == 10 && !strncmp(perms, "allow_join", 10)) || (len == 8 && !strncmp(perms, "ask_join", 8)) ||
          (len == 9 && !strncmp(perms, "allow_mod", 9))) || ++count > 3) {
      json_decref(list);
      return error_reply(400, "permissions are allow_join, ask_join and allow_mod");
    }
    json_array_append_new(list, json_stringn(perms, len));
    perms += len;
    if (*perms == ',') perms++;
  }
  return template_token(rq, cfg.videosdk_signer,
                        rq->sub[0] ? json_pack("{s:o, s:s}", "permissions", list, "participantId", rq->sub)
                                   : json_pack("{s:o}", "permissions", list),
                        "the caller's sub is not valid UTF-8");
}

static int videosdk_token_ok(struct MHD_Connection *c, struct request *rq, struct reply *fail) {
  const char *token = bearer(c);
  int rc;
  if (!token) {
    *fail = refused_reply(rq, REASON_MISSING);
    return 0;
  }
  rc = tessera_jwt_verify(cfg.videosdk_key, token, strlen(token), cfg.videosdk_policy, NULL, 0, NULL);
  if (rc != TESSERA_OK) {
    *fail = tessera_error_reply(rq, 401, rc);
    return 0;
  }
  return 1;
}

/* POST /create-meeting (VideoSDK token in Authorization): a new id, stored. */
HANDLER(videosdk_create_meeting) {
  struct reply fail;
  char id[12];
  UNUSED_ARGS;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!videosdk_token_ok(c, rq, &fail)) return fail;
  for (int tries = 0; tries < 8; tries++) {
    int rc;
    if (random_letters(id, 3) || random_letters(id + 4, 3) || random_letters(id + 8, 3))
      return error_reply(500, "no randomness");
    id[3] = id[7] = '-';
    id[11] = '\0';
    rc = STORE_CALL(0, store->ops->put_meeting(store, id, tessera_now() + cfg.meeting_ttl));
    if (rc == STORE_OK) return json_reply(200, json_pack("{s:s}", "meetingId", id));
    if (rc == STORE_ERROR) return unavailable_reply(rq, "store");
    /* an id taken already: try another */
  }
  return error_reply(500, "could not find a free meeting id");
}

/* POST /validate-meeting/:id (VideoSDK token in Authorization). */
HANDLER(videosdk_validate_meeting) {
  struct reply fail;
  int rc;
  UNUSED_ARGS;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!videosdk_token_ok(c, rq, &fail)) return fail;
  if (!valid_id(tail)) return error_reply(404, "no such meeting");
  rc = STORE_CALL(0, store->ops->get_meeting(store, tail, tessera_now()));
  if (rc == STORE_ERROR) return unavailable_reply(rq, "store");
  if (rc == STORE_NONE) return error_reply(404, "no such meeting");
  return json_reply(200, json_pack("{s:s}", "meetingId", tail));
}

/* GET /apirtc/token?userId=U */
HANDLER(apirtc_token) {
  const char *user;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.apirtc_signer) return error_reply(404, "ApiRTC is not configured");
  if (!identity(rq, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId"), &user, &fail)) return fail;
  if (!user || !*user) return error_reply(400, "userId is required");
  return template_token(rq, cfg.apirtc_signer, json_pack("{s:{s:s}}", "grants", "apiRTC_UserAgent_Id", user),
                        "userId is not valid UTF-8");
}

/* POST /sceenic/sessions: a Watch Together token, made once and stored for
 * its lifetime (a day), handed to every client sharing the tokenId. */
HANDLER(sceenic_create) {
  char id[33], token[2048], *text;
  json_t *claims;
  size_t n = 0;
  int rc;
  int64_t now = tessera_now();
  UNUSED_ARGS;
  if (!cfg.sceenic_key) return error_reply(404, "Sceenic is not configured");
  /* An id taken already (a store that retried an insert it had made) gets
   * another one. */
  for (int tries = 0; tries < 4; tries++) {
    if (random_hex(id, 16) != 0) return error_reply(500, "no randomness");
    claims = json_pack("{s:s, s:s}", "apiKey", cfg.sceenic_apikey, "tokenId", id);
    text = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    if (!text) return error_reply(500, "out of memory");
    rc = tessera_jwt_issue(cfg.sceenic_key, text, strlen(text), now, 86400, TESSERA_ISSUE_JTI, token, sizeof token, &n);
    free(text);
    if (rc != TESSERA_OK) return tessera_error_reply(rq, 500, rc);
    rc = STORE_CALL(0, store->ops->put_session(store, id, token, now + 86400));
    if (rc == STORE_ERROR) return unavailable_reply(rq, "store");
    if (rc == STORE_OK) return json_reply(200, json_pack("{s:s, s:s}", "tokenId", id, "token", token));
  }
  return error_reply(500, "could not find a free session id");
}

/* GET /sceenic/sessions/:tokenId */
HANDLER(sceenic_get) {
  char token[2048];
  int rc;
  UNUSED_ARGS;
  if (!cfg.sceenic_key) return error_reply(404, "Sceenic is not configured");
  if (!valid_id(tail)) return error_reply(404, "no such session");
  rc = STORE_CALL(0, store->ops->get_session(store, tail, tessera_now(), token, sizeof token));
  if (rc == STORE_ERROR) return unavailable_reply(rq, "store");
  if (rc == STORE_NONE) return error_reply(404, "no such session");
  return json_reply(200, json_pack("{s:s, s:s}", "tokenId", tail, "token", token));
}

/* The unverified "iss" of a compact JWT, to pick the registered key: only a
 * lookup label, as a kid is; the key and a policy naming that issuer then
 * decide. tessera_jwt_peek reads the claims after the library's own shape
 * check (verification's step 1). 1 found (copied to out), 0 not. */
static int unverified_issuer(const char *token, char *out, size_t cap) {
  char text[8192];
  size_t n = 0;
  int found = 0;
  json_t *claims;
  if (tessera_jwt_peek(token, strlen(token), NULL, 0, NULL, text, sizeof text, &n) != TESSERA_OK) return 0;
  claims = json_loadb(text, n, 0, NULL);
  if (claims && json_is_string(json_object_get(claims, "iss")) && strlen(json_string_value(json_object_get(claims, "iss"))) < cap) {
    strcpy(out, json_string_value(json_object_get(claims, "iss")));
    found = 1;
  }
  json_decref(claims);
  return found;
}

/* GET /sk-api/v1/devices (Skykit): an RS256 token from a registered issuer. */
HANDLER(skykit_devices) {
  const char *token = bearer(c);
  char issuer[256];
  size_t i;
  int rc;
  UNUSED_ARGS;
  if (!token) return refused_reply(rq, REASON_MISSING);
  if (!unverified_issuer(token, issuer, sizeof issuer)) return refused_reply(rq, TESSERA_E_CLAIM);
  for (i = 0; i < cfg.skykit_count; i++) {
    if (strcmp(cfg.skykit[i].issuer, issuer) != 0) continue;
    rc = tessera_jwt_verify(cfg.skykit[i].key, token, strlen(token), cfg.skykit[i].policy, NULL, 0, NULL);
    if (rc != TESSERA_OK) return tessera_error_reply(rq, 401, rc);
    return json_reply(200, json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}], s:s}", "devices", "key", "dev-lobby-01", "name",
                                     "Lobby display", "status", "online", "key", "dev-hall-02", "name", "Hall kiosk",
                                     "status", "offline", "owner", issuer));
  }
  snprintf(rq->detail, sizeof rq->detail, "no public key is registered for this issuer");
  return refused_reply(rq, TESSERA_E_KEY_NOT_FOUND);
}

/* GET /turn/credentials?username=U */
HANDLER(turn_credentials) {
  const char *user;
  char username[600], password[64];
  size_t n = 0;
  int rc;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.turn_secret) return error_reply(404, "TURN is not configured");
  if (!identity(rq, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "username"), &user, &fail)) return fail;
  if (!user || !*user || strlen(user) > 256 || strchr(user, ':')) return error_reply(400, "username is required (no ':')");
  snprintf(username, sizeof username, "%lld:%s", (long long)(tessera_now() + cfg.turn_ttl), user);
  rc = tessera_turn_password(cfg.turn_secret, strlen(cfg.turn_secret), username, strlen(username), password, sizeof password, &n);
  if (rc != TESSERA_OK) return tessera_error_reply(rq, 500, rc);
  return json_reply(200, json_pack("{s:s, s:s, s:i, s:O}", "username", username, "password", password, "ttl",
                                   (json_int_t)cfg.turn_ttl, "uris", cfg.turn_uris));
}

/* The configuration is checked at start-up (a probe token each), and each
 * request's input is bounded before the call: what the library refuses now
 * is the request's (400), but for running out of memory or OpenSSL (500). */
static struct reply platform_error(struct request *rq, int rc) {
  return tessera_error_reply(rq, rc == TESSERA_E_NOMEM || rc == TESSERA_E_CRYPTO ? 500 : 400, rc);
}

/* Whether a query value is 1 to max bytes. */
static int sized(const char *s, size_t max) { return s && *s && strlen(s) <= max; }

/* GET /agora/rtc-token?channel=C[&uid=N|&account=A][&role=publisher|subscriber]
 * With callers, the uid or account must be the caller's sub (the account
 * is the sub when neither is given). */
HANDLER(agora_rtc_token) {
  const char *channel = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "channel");
  const char *uid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "uid");
  const char *account = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account");
  const char *role = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "role");
  char token[1024], digits[24];
  size_t n = 0;
  int r, rc;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.agora_app_id) return error_reply(404, "Agora is not configured");
  /* Agora's own limits: a channel name under 64 bytes, a user account of at
   * most 255. */
  if (!sized(channel, 63)) return error_reply(400, "channel is required (at most 63 bytes)");
  if (uid && account) return error_reply(400, "give uid or account, not both");
  if (uid) {
    if (!identity(rq, uid, &uid, &fail)) return fail;
  } else if (!identity(rq, account, &account, &fail)) {
    return fail;
  }
  if (account && strlen(account) > 255) return error_reply(400, "account is at most 255 bytes");
  if (uid && (!*uid || strspn(uid, "0123456789") != strlen(uid) || strlen(uid) > 10 || strtoull(uid, NULL, 10) > UINT32_MAX))
    return error_reply(400, "uid must be a 32-bit unsigned integer");
  if (uid) {
    /* uid 0 is any user, packed as "" as Agora's builders do; others as
     * their decimal digits (no leading zeros). */
    unsigned long long v = strtoull(uid, NULL, 10);
    if (v == 0) digits[0] = 0;
    else snprintf(digits, sizeof digits, "%llu", v);
    uid = digits;
  }
  if (!role || !strcmp(role, "publisher")) r = TESSERA_AGORA_ROLE_PUBLISHER;
  else if (!strcmp(role, "subscriber")) r = TESSERA_AGORA_ROLE_SUBSCRIBER;
  else return error_reply(400, "role must be publisher or subscriber");
  rc = tessera_agora_rtc_token(cfg.agora_app_id, cfg.agora_certificate, channel, uid ? uid : account ? account : "", r,
                               cfg.agora_expire, cfg.agora_expire, tessera_now(), 0, token, sizeof token, &n);
  if (rc != TESSERA_OK) return platform_error(rq, rc);
  return json_reply(200, json_pack("{s:s, s:s, s:I}", "token", token, "appId", cfg.agora_app_id, "expire",
                                   (json_int_t)cfg.agora_expire));
}

/* GET /agora/rtm-token?userId=U */
HANDLER(agora_rtm_token) {
  const char *user;
  char token[1024];
  size_t n = 0;
  int rc;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.agora_app_id) return error_reply(404, "Agora is not configured");
  if (!identity(rq, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId"), &user, &fail)) return fail;
  if (!sized(user, 64)) return error_reply(400, "userId is required (at most 64 bytes)");
  rc = tessera_agora_rtm_token(cfg.agora_app_id, cfg.agora_certificate, user, cfg.agora_expire, tessera_now(), 0, token,
                               sizeof token, &n);
  if (rc != TESSERA_OK) return platform_error(rq, rc);
  return json_reply(200, json_pack("{s:s, s:s, s:I}", "token", token, "appId", cfg.agora_app_id, "expire",
                                   (json_int_t)cfg.agora_expire));
}

/* GET /trtc/usersig?userId=U */
HANDLER(trtc_usersig) {
  const char *user;
  char sig[2048];
  size_t n = 0;
  int rc;
  struct reply fail;
  UNUSED_ARGS;
  if (!cfg.trtc_key) return error_reply(404, "TRTC is not configured");
  if (!identity(rq, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId"), &user, &fail)) return fail;
  /* Tencent's limit on a user id. */
  if (!sized(user, 32)) return error_reply(400, "userId is required (at most 32 bytes)");
  rc = tessera_trtc_usersig(cfg.trtc_app_id, cfg.trtc_key, strlen(cfg.trtc_key), user, cfg.trtc_expire, tessera_now(), sig,
                            sizeof sig, &n);
  if (rc != TESSERA_OK) return platform_error(rq, rc);
  return json_reply(200, json_pack("{s:I, s:s, s:s, s:I}", "sdkAppId", (json_int_t)cfg.trtc_app_id, "userId", user,
                                   "userSig", sig, "expire", (json_int_t)cfg.trtc_expire));
}

/* GET /janus/token: a token for the configured plugins. */
HANDLER(janus_token) {
  size_t n = 0;
  char token[2048];
  int64_t expiry = tessera_now() + cfg.janus_ttl;
  int rc;
  UNUSED_ARGS;
  if (!cfg.janus_secret) return error_reply(404, "Janus is not configured");
  rc = tessera_janus_token(cfg.janus_secret, strlen(cfg.janus_secret), expiry, cfg.janus_names, cfg.janus_count, token,
                           sizeof token, &n);
  if (rc != TESSERA_OK) return platform_error(rq, rc);
  return json_reply(200, json_pack("{s:s, s:I}", "token", token, "expiry", (json_int_t)expiry));
}

/* GET /<platform>/token?…: the platform's JWT from its profile; arg is the
 * platform's index. The identity argument is bound to the caller's sub. */
HANDLER(platform_token) {
  struct jwt_platform *pl = &cfg.plat[arg];
  const char *params[MAX_PARAMS];
  char *owned[8];
  size_t count = 0, nowned = 0, n = 0;
  char *token;
  int rc;
  struct reply r;
  UNUSED_ARGS;
  if (!pl->signing) return error_reply(404, "this platform is not configured");
  for (size_t i = 0; i < pl->nparams; i++) params[count++] = pl->params[i];
  for (size_t i = 0; i < 8 && pl->query[i][0]; i++) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, pl->query[i][0]);
    if (pl->identity && !strcmp(pl->identity, pl->query[i][0]) && !identity(rq, v, &v, &r)) {
      for (size_t k = 0; k < nowned; k++) free(owned[k]);
      return r;
    }
    if (v && strlen(v) > 4096) {
      for (size_t k = 0; k < nowned; k++) free(owned[k]);
      return error_reply(400, "a query argument is over 4096 bytes");
    }
    if (v) {
      char *p = param(pl->query[i][1], v);
      if (!p) {
        for (size_t k = 0; k < nowned; k++) free(owned[k]);
        return error_reply(500, "out of memory");
      }
      params[count++] = owned[nowned++] = p;
    }
  }
  token = malloc(TESSERA_TOKEN_MAX + 1);
  if (!token) {
    r = error_reply(500, "out of memory");
  } else {
    rc = tessera_platform_token(pl->signing, pl->name, params, count, tessera_now(), pl->ttl, token, TESSERA_TOKEN_MAX + 1,
                                &n);
    r = rc == TESSERA_OK ? json_reply(200, json_pack("{s:s}", "token", token)) : platform_error(rq, rc);
  }
  free(token);
  for (size_t i = 0; i < nowned; i++) free(owned[i]);
  return r;
}

/* ---- tokens the server checks and issues itself ---------------------------------- */

/* GET /verify, for nginx's auth_request: 200 when the Bearer token meets the
 * configured policy (the claims as the body, the subject in X-Auth-Subject),
 * 401 with a WWW-Authenticate challenge (RFC 6750) and a category when not.
 * A revoked jti is refused; with "replay": true so is a jti seen before
 * (until the token's exp, across every instance). When the store or cache
 * cannot say, the answer is 503: these checks fail closed. */
HANDLER(verify_bearer) {
  const char *token = strict_bearer(c);
  char *claims;
  size_t n = 0;
  int rc;
  struct reply r;
  json_t *parsed;
  const char *sub, *jti;
  json_t *jti_value;
  double exp;
  int64_t keep;
  UNUSED_ARGS;
  if (!cfg.verify_keys) return error_reply(404, "token verification is not configured");
  if (!token) return refused_reply(rq, REASON_MISSING);
  claims = malloc(TESSERA_TOKEN_MAX);
  if (!claims) return error_reply(500, "out of memory");
  rc = tessera_jwt_verify_keyset(cfg.verify_keys, token, strlen(token), cfg.verify_policy, claims, TESSERA_TOKEN_MAX, &n);
  if (rc != TESSERA_OK) {
    free(claims);
    return tessera_error_reply(rq, 401, rc);
  }
  parsed = json_loadb(claims, n, 0, NULL);
  jti_value = json_object_get(parsed, "jti");
  jti = json_string_value(jti_value);
  exp = json_number_value(json_object_get(parsed, "exp"));
  if (jti_value && (!jti || strlen(jti) > 256 || !*jti)) {
    snprintf(rq->detail, sizeof rq->detail, "jti must be a string of 1 to 256 bytes");
    r = refused_reply(rq, TESSERA_E_CLAIM);
    goto done;
  }
  /* A mark lasts as long as the library would still accept the token:
   * past exp by the leeway (exp may be fractional; the library checked it
   * is a number within range). */
  if (!(exp < 9.0e15)) exp = 9.0e15; /* far beyond any policy's maximum lifetime */
  keep = (int64_t)exp + 2 + (int64_t)cfg.verify_leeway;
  if (keep <= tessera_now()) keep = tessera_now() + 1;
  if (jti && cfg.operator_keys) {
    rc = STORE_CALL(SHORT_ROLE, SHORT_LIVED->ops->has_mark(SHORT_LIVED, "rev", jti, tessera_now()));
    if (rc == STORE_ERROR) {
      r = unavailable_reply(rq, "revocation");
      goto done;
    }
    if (rc == STORE_OK) {
      r = refused_reply(rq, REASON_REVOKED);
      goto done;
    }
  }
  if (cfg.verify_replay) {
    /* jti is required by the policy; exp always is. */
    rc = STORE_CALL(SHORT_ROLE, SHORT_LIVED->ops->claim_mark(SHORT_LIVED, "jti", jti, keep, tessera_now()));
    if (rc == STORE_ERROR) {
      r = unavailable_reply(rq, "replay");
      goto done;
    }
    if (rc == STORE_NONE) {
      metrics_replay_refused();
      r = refused_reply(rq, REASON_REPLAYED);
      goto done;
    }
  }
  r = (struct reply){.status = 200, .body = claims};
  claims = NULL;
  sub = json_string_value(json_object_get(parsed, "sub"));
  if (sub && strlen(sub) < sizeof r.subject && printable_ascii(sub)) strcpy(r.subject, sub);
done:
  free(claims);
  json_decref(parsed);
  return r;
}

/* POST /revoke (an operator's API key as the Bearer token): form jti=J and
 * optionally exp=UNIX (when the token expires; the mark is kept until then,
 * or for verify.revocationTtl seconds). /verify refuses the jti from then
 * on, on every instance. */
HANDLER(revoke_jti) {
  const char *key = strict_bearer(c);
  char jti[300], exp_text[24];
  int a, b, rc;
  int64_t now = tessera_now(), until;
  UNUSED_ARGS;
  if (!cfg.operator_keys || !cfg.verify_keys) return error_reply(404, "revocation is not configured (operators, verify)");
  if (!key || !secret_listed(cfg.operator_keys, key)) {
    struct reply r = json_reply(401, json_pack("{s:s}", "error", "unauthorized"));
    r.www_authenticate = "Bearer realm=\"tessera-operators\"";
    snprintf(rq->detail, sizeof rq->detail, "no operator key, or an unknown one");
    return r;
  }
  a = form_value(rq->body, rq->len, "jti", jti, sizeof jti);
  b = form_value(rq->body, rq->len, "exp", exp_text, sizeof exp_text);
  if (a != 1 || b < 0 || !*jti || strlen(jti) > 256) return error_reply(400, "jti (1 to 256 bytes) is required");
  {
    json_t *probe = json_string(jti); /* NULL unless valid UTF-8 */
    if (!probe) return error_reply(400, "jti is not valid UTF-8");
    json_decref(probe);
  }
  until = now + cfg.revoke_ttl;
  if (b == 1) {
    char *end;
    long long v = strtoll(exp_text, &end, 10);
    if (*end || end == exp_text || v <= now || v > now + 366LL * 86400) return error_reply(400, "exp must be a future UNIX time");
    until = v;
  }
  /* Kept past exp by the leeway, as long as /verify would accept the token. */
  rc = STORE_CALL(SHORT_ROLE, SHORT_LIVED->ops->set_mark(SHORT_LIVED, "rev", jti, until + 1 + cfg.verify_leeway));
  if (rc == STORE_ERROR) return unavailable_reply(rq, "revocation");
  log_event("info", "revoked a jti until %lld", (long long)until);
  return json_reply(200, json_pack("{s:s, s:I}", "revoked", jti, "until", (json_int_t)until));
}

/* POST /token: the server's own access token for the caller: sub, iss, aud,
 * iat, exp, jti, signed with the current key of "tokens". */
HANDLER(own_token) {
  json_t *claims;
  char *text, token[4096];
  size_t n = 0;
  int rc;
  UNUSED_ARGS;
  if (!cfg.token_key) return error_reply(404, "tokens are not configured");
  if (!rq->sub[0]) return error_reply(403, "tokens are minted for authenticated callers only");
  claims = json_pack("{s:s, s:s, s:s}", "sub", rq->sub, "iss", cfg.token_issuer, "aud", cfg.token_audience);
  text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
  json_decref(claims);
  if (!text) return error_reply(500, "out of memory");
  rc = tessera_jwt_issue(cfg.token_key, text, strlen(text), tessera_now(), cfg.token_ttl, TESSERA_ISSUE_JTI, token,
                         sizeof token, &n);
  free(text);
  if (rc != TESSERA_OK) return tessera_error_reply(rq, 500, rc);
  return json_reply(200, json_pack("{s:s, s:s, s:I}", "token", token, "tokenType", "Bearer", "expiresIn",
                                   (json_int_t)cfg.token_ttl));
}

/* GET /.well-known/jwks.json: the public keys of "tokens", current and next. */
HANDLER(jwks) {
  struct reply r;
  UNUSED_ARGS;
  if (!cfg.jwks) return error_reply(404, "tokens are not configured");
  r = (struct reply){.status = 200, .body = strdup(cfg.jwks), .content_type = "application/jwk-set+json"};
  return r;
}

/* ---- operations -------------------------------------------------------------------- */

HANDLER(healthz) {
  UNUSED_ARGS;
  return json_reply(200, json_pack("{s:s}", "status", "ok"));
}

/* GET /readyz: 200 when the store (and the cache) answer; 503 saying which
 * does not, or that the server is draining. */
HANDLER(readyz) {
  json_t *body = json_object();
  int ok = !draining;
  UNUSED_ARGS;
  /* Which one fails is said; its error (hosts, paths) goes to the log. */
  if (STORE_CALL(0, store->ops->ping(store)) == STORE_OK) json_object_set_new(body, "store", json_string("ok"));
  else {
    ok = 0;
    json_object_set_new(body, "store", json_string("unavailable"));
    snprintf(rq->detail, sizeof rq->detail, "store: %s", store_error());
  }
  if (cache) {
    if (STORE_CALL(1, cache->ops->ping(cache)) == STORE_OK) json_object_set_new(body, "cache", json_string("ok"));
    else {
      ok = 0;
      json_object_set_new(body, "cache", json_string("unavailable"));
      snprintf(rq->detail, sizeof rq->detail, "cache: %s", store_error());
    }
  }
  json_object_set_new(body, "status", json_string(draining ? "draining" : ok ? "ready" : "unavailable"));
  return json_reply(ok ? 200 : 503, body);
}

HANDLER(metrics) {
  size_t n = 0;
  char *text = metrics_render(&n);
  UNUSED_ARGS;
  if (!text) return error_reply(500, "out of memory");
  return (struct reply){.status = 200, .body = text, .content_type = "text/plain; version=0.0.4; charset=utf-8"};
}

/* GET /: a page like SkyWay's sample client. "Get Credential" posts the peer
 * id and session token to /authenticate and shows the credential. */
static const char index_html[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tessera auth server</title>\n"
    "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}label{display:block;margin:.5em 0}"
    "pre{background:#f4f4f4;padding:1em;white-space:pre-wrap;word-break:break-all}</style></head>\n"
    "<body><h1>SkyWay credential</h1>\n"
    "<label>Peer ID <input id=\"peerId\" value=\"alice\"></label>\n"
    "<label>Session token <input id=\"sessionToken\" value=\"\"></label>\n"
    "<button id=\"getCredential\">Get Credential</button>\n"
    "<p id=\"status\">No credential yet.</p>\n"
    "<pre id=\"credential\"></pre>\n"
    "<script>\n"
    "document.getElementById('getCredential').addEventListener('click', async () => {\n"
    "  const status = document.getElementById('status'), out = document.getElementById('credential');\n"
    "  status.textContent = 'Asking /authenticate...';\n"
    "  out.textContent = '';\n"
    "  const body = new URLSearchParams({peerId: document.getElementById('peerId').value,\n"
    "                                   sessionToken: document.getElementById('sessionToken').value});\n"
    "  try {\n"
    "    const response = await fetch('/authenticate', {method: 'POST', body});\n"
    "    const text = await response.text();\n"
    "    if (response.ok) {\n"
    "      out.textContent = JSON.stringify(JSON.parse(text), null, 2);\n"
    "      status.textContent = 'Credential received.';\n"
    "    } else {\n"
    "      status.textContent = 'Refused (' + response.status + '): ' + text;\n"
    "    }\n"
    "  } catch (e) {\n"
    "    status.textContent = 'Request failed: ' + e;\n"
    "  }\n"
    "});\n"
    "</script></body></html>\n";

HANDLER(index_page) {
  UNUSED_ARGS;
  return (struct reply){.status = 200, .body = strdup(index_html), .content_type = "text/html; charset=utf-8"};
}

/* ---- routing ----------------------------------------------------------------------- */

enum {
  MINT = 1,   /* a caller's token required (unless allowAnonymous); per-caller rate limit */
  OPS = 2,    /* no rate limit: health, readiness, metrics, keys */
  HIDE = 4,   /* the path's tail is a capability: the log shows the route's label */
};

struct route {
  const char *method, *path;
  int prefix; /* path is a prefix; the rest is the handler's tail */
  const char *label;   /* the metrics endpoint label */
  const char *minted;  /* a platform label: counted when it answers 200 */
  int flags;
  struct reply (*fn)(struct MHD_Connection *, struct request *, const char *, int);
  int arg;
  int endpoint, platform; /* metrics indices */
};

#define MAX_ROUTES 48
static struct route routes[MAX_ROUTES] = {
    {"GET", "/healthz", 0, "/healthz", NULL, OPS, healthz, 0, 0, 0},
    {"GET", "/readyz", 0, "/readyz", NULL, OPS, readyz, 0, 0, 0},
    {"GET", "/metrics", 0, "/metrics", NULL, OPS, metrics, 0, 0, 0},
    {"GET", "/.well-known/jwks.json", 0, "/.well-known/jwks.json", NULL, OPS, jwks, 0, 0, 0},
    {"POST", "/authenticate", 0, "/authenticate", "skyway", MINT, skyway_authenticate, 0, 0, 0},
    {"GET", "/get-token", 0, "/get-token", "videosdk", MINT, videosdk_get_token, 0, 0, 0},
    {"POST", "/create-meeting", 0, "/create-meeting", NULL, 0, videosdk_create_meeting, 0, 0, 0},
    {"POST", "/validate-meeting/", 1, "/validate-meeting/:id", NULL, 0, videosdk_validate_meeting, 0, 0, 0},
    {"GET", "/apirtc/token", 0, "/apirtc/token", "apirtc", MINT, apirtc_token, 0, 0, 0},
    {"POST", "/sceenic/sessions", 0, "/sceenic/sessions", "sceenic", MINT, sceenic_create, 0, 0, 0},
    {"GET", "/sceenic/sessions/", 1, "/sceenic/sessions/:id", NULL, MINT | HIDE, sceenic_get, 0, 0, 0},
    {"GET", "/sk-api/v1/devices", 0, "/sk-api/v1/devices", NULL, 0, skykit_devices, 0, 0, 0},
    {"GET", "/turn/credentials", 0, "/turn/credentials", "turn", MINT, turn_credentials, 0, 0, 0},
    {"GET", "/agora/rtc-token", 0, "/agora/rtc-token", "agora", MINT, agora_rtc_token, 0, 0, 0},
    {"GET", "/agora/rtm-token", 0, "/agora/rtm-token", "agora", MINT, agora_rtm_token, 0, 0, 0},
    {"GET", "/trtc/usersig", 0, "/trtc/usersig", "trtc", MINT, trtc_usersig, 0, 0, 0},
    {"GET", "/janus/token", 0, "/janus/token", "janus", MINT, janus_token, 0, 0, 0},
    {"POST", "/token", 0, "/token", "tessera", MINT, own_token, 0, 0, 0},
    {"GET", "/verify", 0, "/verify", NULL, 0, verify_bearer, 0, 0, 0},
    {"POST", "/revoke", 0, "/revoke", NULL, 0, revoke_jti, 0, 0, 0},
    {"GET", "/", 0, "/", NULL, 0, index_page, 0, 0, 0},
};
static size_t nroutes;
static int endpoint_other; /* metrics label of unknown paths */

/* The platform routes (/<name>/token) and every metrics label, before serving. */
static void routes_init(void) {
  static char paths[PLATFORM_COUNT][32];
  while (nroutes < MAX_ROUTES && routes[nroutes].path) nroutes++;
  for (size_t i = 0; i < PLATFORM_COUNT && nroutes < MAX_ROUTES; i++) {
    snprintf(paths[i], sizeof paths[i], "/%s/token", platform_profiles[i].name);
    routes[nroutes++] = (struct route){"GET", paths[i], 0, paths[i], platform_profiles[i].name, MINT, platform_token, (int)i, 0, 0};
  }
  for (size_t i = 0; i < nroutes; i++) {
    routes[i].endpoint = metrics_endpoint(routes[i].label);
    routes[i].platform = routes[i].minted ? metrics_platform(routes[i].minted) : -1;
  }
  endpoint_other = metrics_endpoint("other");
}

static struct reply route(struct MHD_Connection *c, const char *url, const char *method, struct request *rq,
                          const struct route **matched) {
  const struct route *rt = NULL;
  const char *allowed = NULL;
  struct reply fail;
  for (size_t i = 0; i < nroutes; i++) {
    size_t k = strlen(routes[i].path);
    int hit = routes[i].prefix ? strncmp(url, routes[i].path, k) == 0 : strcmp(url, routes[i].path) == 0;
    if (!hit) continue;
    allowed = routes[i].method;
    rq->endpoint = routes[i].endpoint;
    if (!strcmp(method, routes[i].method)) {
      rt = &routes[i];
      break;
    }
  }
  *matched = rt;
  if (!rt && allowed) {
    fail = error_reply(405, "method not allowed");
    fail.allow = allowed;
    return fail;
  }
  if (!rt) return error_reply(404, "not found");
  if (rq->too_large) return error_reply(413, "request body over 64 KiB");
  if (!(rt->flags & OPS) && !within_limit("address", rq->client, cfg.rate_per_address, &fail)) return fail;
  if (rt->flags & MINT) {
    if (!authenticate_caller(c, rq, &fail)) return fail;
    if (rq->sub[0] && !within_limit("caller", rq->sub, cfg.rate_per_caller, &fail)) return fail;
  }
  return rt->fn(c, rq, url + (rt->prefix ? strlen(rt->path) : 0), rt->arg);
}

static char instance[9]; /* set in main, before serving */

static void request_id(struct MHD_Connection *c, struct request *rq) {
  static uint64_t counter;
  const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
  if (given && strlen(given) < sizeof rq->id && *given && printable_ascii(given) && !strpbrk(given, "\"\\ ")) {
    strcpy(rq->id, given);
    return;
  }
  snprintf(rq->id, sizeof rq->id, "%s-%llu", instance,
           (unsigned long long)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *upload, size_t *upload_size, void **state) {
  struct request *rq = *state;
  const struct route *rt = NULL;
  struct reply r;
  struct MHD_Response *resp;
  enum MHD_Result ret;
  char retry[16];
  double seconds;
  (void)cls;
  (void)version;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq) return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    rq->config = config_acquire();
    rq->endpoint = endpoint_other;
    metrics_inflight(1);
    *state = rq;
    return MHD_YES;
  }
  cfg_now = rq->config;
  if (*upload_size > 0) {
    if (!rq->too_large && rq->len + *upload_size <= MAX_BODY) {
      char *grown = realloc(rq->body, rq->len + *upload_size + 1);
      if (!grown) return MHD_NO;
      rq->body = grown;
      memcpy(rq->body + rq->len, upload, *upload_size);
      rq->len += *upload_size;
      rq->body[rq->len] = '\0';
    } else {
      rq->too_large = 1;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (!rq->body) rq->body = calloc(1, 1);
  request_id(c, rq);
  client_address(c, rq);
  r = rq->body ? route(c, url, method, rq, &rt) : error_reply(500, "out of memory");
  if (!r.body) r = error_reply(500, "internal error");
  if (!r.body) return MHD_NO;
  if (r.status == 200 && rt && rt->platform >= 0) metrics_minted(rt->platform);
  resp = MHD_create_response_from_buffer(strlen(r.body), r.body, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free(r.body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type ? r.content_type : "application/json");
  MHD_add_response_header(resp, "X-Request-Id", rq->id);
  if (r.www_authenticate) MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r.www_authenticate);
  if (r.allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r.allow);
  if (r.subject[0]) MHD_add_response_header(resp, "X-Auth-Subject", r.subject);
  if (r.retry_after) {
    snprintf(retry, sizeof retry, "%u", r.retry_after);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
  }
  if (rt && (rt->flags & MINT)) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (draining) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  ret = MHD_queue_response(c, r.status, resp);
  MHD_destroy_response(resp);
  seconds = since(&rq->start);
  metrics_request(rq->endpoint, r.status, seconds);
  {
    struct log_request line = {.request_id = rq->id, .client = rq->client, .method = method,
                               .path = rt && (rt->flags & HIDE) ? rt->label : url,
                               .sub = rq->sub[0] ? rq->sub : NULL, .detail = rq->detail[0] ? rq->detail : NULL,
                               .status = r.status, .duration_ms = seconds * 1e3};
    log_request(&line);
  }
  cfg_now = NULL;
  return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode code) {
  struct request *rq = *state;
  (void)cls;
  (void)c;
  (void)code;
  if (rq) {
    config_release(rq->config);
    free(rq->body);
    free(rq);
    metrics_inflight(-1);
    *state = NULL;
  }
}

/* ---- main ---------------------------------------------------------------------------- */

/* libmicrohttpd's own messages (a malformed request, a refused
 * connection), as JSON lines like the rest. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  char msg[512];
  (void)cls;
  vsnprintf(msg, sizeof msg, fmt, ap);
  msg[strcspn(msg, "\n")] = '\0';
  log_event("warning", "http: %s", msg);
}

/* Removes expired meetings, sessions, marks and counters now and then. */
static void *cleaner(void *arg) {
  (void)arg;
  for (;;) {
    sleep(boot.cleanup_interval);
    if (STORE_CALL(0, store->ops->cleanup(store, tessera_now())) == STORE_OK && cache)
      (void)STORE_CALL(1, cache->ops->cleanup(cache, tessera_now()));
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *config = NULL;
  long port = 0;
  int i, sig, check_only = 0;
  sigset_t set;
  struct MHD_Daemon *d;
  pthread_t cleanup_thread;
  char why[512] = "";
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else if (!strcmp(argv[i], "--check")) check_only = 1;
    else die("usage: auth-server --port PORT --config FILE [--check]");
  }
  if (!config || (!check_only && (port <= 0 || port > 65535))) die("usage: auth-server --port PORT --config FILE [--check]");
  /* SIGTERM, SIGINT and SIGHUP are taken by sigwait below, in every thread. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  live = load_config(config, 1);
  cfg_now = NULL;
  if (!(store = store_open(boot.store_url, why, sizeof why))) die("store: %s", why);
  if (boot.cache_url && !(cache = store_open(boot.cache_url, why, sizeof why))) die("cache: %s", why);
  if (check_only) {
    fprintf(stderr, "auth-server: %s: the configuration is valid, the store%s answers\n", config, cache ? " and the cache" : "");
    return 0;
  }
  metrics_set_backends(store->ops->name, cache ? cache->ops->name : NULL);
  routes_init();
  {
    unsigned char b[4] = {0};
    (void)random_bytes(b, 4);
    snprintf(instance, sizeof instance, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
  }
  if (live->anonymous)
    log_event("warning", "allowAnonymous: every minting endpoint is open to anyone who can reach this server");
  if (pthread_create(&cleanup_thread, NULL, cleaner, NULL) != 0) die("cannot start the cleanup thread");
  pthread_detach(cleanup_thread);
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, (uint16_t)port,
                       NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
                       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_CONNECTION_LIMIT,
                       boot.connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, boot.per_address, MHD_OPTION_END);
  if (!d) die("cannot listen on port %ld", port);
  log_event("info", "Tessera %s listening on port %ld (store %s%s%s)", tessera_version_string(), port, store->ops->name,
            cache ? ", cache " : "", cache ? cache->ops->name : "");
  for (;;) {
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(config);
      continue;
    }
    break;
  }
  /* Draining: /readyz answers 503 and responses close their connections;
   * the listening socket closes (new connections go to other instances);
   * requests in flight finish, up to drainTimeout seconds. */
  draining = 1;
  log_event("info", "signal %d: draining", sig);
  {
    MHD_socket fd = MHD_quiesce_daemon(d);
    int64_t waited = 0, left;
    if (fd != MHD_INVALID_SOCKET) close(fd);
    while ((left = metrics_inflight_count()) > 0 && waited < (int64_t)boot.drain_timeout * 1000) {
      usleep(20000);
      waited += 20;
    }
    if (left > 0) log_event("warning", "drain timeout: %lld requests still in flight", (long long)left);
  }
  MHD_stop_daemon(d);
  store->ops->close(store);
  if (cache) cache->ops->close(cache);
  log_event("info", "stopped");
  return 0;
}
