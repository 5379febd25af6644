/*
 * auth-server: the auth server a real-time communication platform's customer
 * runs, for all five seed platforms and eleven more, on Tessera.
 *
 *   auth-server --port PORT --config FILE
 *
 * libmicrohttpd (thread pool) serves HTTP; SQLite keeps VideoSDK meetings and
 * Sceenic session tokens across restarts; jansson reads the config and writes
 * JSON bodies; Tessera signs and verifies every credential and token. Keys,
 * signer templates and policies are built once at start-up and shared by all
 * threads. One log line per request on stderr; SIGTERM or SIGINT stops it
 * cleanly.
 *
 * Endpoints (see README.md):
 *   GET  /healthz
 *   POST /authenticate                      SkyWay peer credential
 *   GET  /get-token[?permissions=a,b]       VideoSDK token
 *   POST /create-meeting                    VideoSDK (token in Authorization)
 *   POST /validate-meeting/:meetingId       VideoSDK (token in Authorization)
 *   GET  /apirtc/token?userId=U             ApiRTC token
 *   POST /sceenic/sessions                  Sceenic Watch Together token, stored
 *   GET  /sceenic/sessions/:tokenId         the same token again
 *   GET  /sk-api/v1/devices                 Skykit API, RS256 bearer token
 *   GET  /turn/credentials?username=U       coturn use-auth-secret credentials
 *   GET  /agora/rtc-token?channel=C[&uid=N|&account=A][&role=R]   Agora AccessToken2
 *   GET  /agora/rtm-token?userId=U          Agora RTM AccessToken2
 *   GET  /trtc/usersig?userId=U             Tencent TRTC / IM UserSig
 *   GET  /janus/token                       Janus signed token for the configured plugins
 *   GET  /<platform>/token?…                livekit, twilio, vonage, zoom, jaas, stream,
 *                                           100ms, daily: the platform's JWT
 *   GET  /verify                            Bearer JWT check (nginx auth_request)
 *   GET  /                                  a SkyWay-style client page
 */
#define _GNU_SOURCE
#include <tessera.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include <errno.h>
#include <pthread.h>
#include <strings.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MAX_BODY (64 * 1024)
#define MAX_SKYKIT_KEYS 64

/* ---- configuration and shared state (read-only after start-up) ------------- */

struct skykit_key {
  char *issuer;
  tessera_key *key;
  tessera_policy *policy;
};

static struct {
  sqlite3 *db;
  pthread_mutex_t db_lock;
  /* SkyWay */
  char *skyway_secret;
  uint32_t skyway_ttl;
  json_t *session_tokens; /* array of strings, or NULL: any token accepted */
  /* VideoSDK */
  char *videosdk_apikey;
  tessera_key *videosdk_key;
  tessera_signer *videosdk_signer; /* constant apikey and version; ttl 600 */
  tessera_policy *videosdk_policy;
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
  json_t *janus_plugins;      /* holds the names below */
  const char *janus_names[16];
  size_t janus_count;
  /* /verify: a key set and a policy from the "verify" section */
  tessera_keyset *verify_keys;
  tessera_policy *verify_policy;
} cfg;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
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

static void db_exec(const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(cfg.db, sql, NULL, NULL, &err) != SQLITE_OK) die("sqlite: %s", err ? err : "error");
}

/* The "verify" section: the keys (an HMAC "secret" used for each HS*
 * algorithm listed, or a "jwks" file) and the policy every token presented
 * to GET /verify must meet. */
static void load_verify(json_t *sec) {
  json_t *algs = json_object_get(sec, "algorithms"), *v;
  const char *secret = json_string_value(json_object_get(sec, "secret"));
  const char *jwks = json_string_value(json_object_get(sec, "jwks"));
  const char *iss = json_string_value(json_object_get(sec, "issuer"));
  const char *aud = json_string_value(json_object_get(sec, "audience"));
  json_t *max = json_object_get(sec, "maxLifetime"), *leeway = json_object_get(sec, "leeway");
  size_t i;
  if (!json_is_array(algs) || json_array_size(algs) == 0) die("config: verify.algorithms must name at least one algorithm");
  if (!secret == !jwks) die("config: verify needs exactly one of secret and jwks");
  check(tessera_policy_new(&cfg.verify_policy), "policy");
  if (secret) check(tessera_keyset_new(&cfg.verify_keys), "verify keys");
  json_array_foreach(algs, i, v) {
    tessera_alg alg;
    if (!json_is_string(v) || tessera_alg_from_name(json_string_value(v), &alg) != TESSERA_OK)
      die("config: verify.algorithms: unknown algorithm");
    check(tessera_policy_allow_alg(cfg.verify_policy, alg), "verify.algorithms");
    if (secret && alg >= TESSERA_HS256 && alg <= TESSERA_HS512) {
      tessera_key *k = NULL;
      check(tessera_key_new_hmac(alg, secret, strlen(secret), NULL, &k), "verify.secret");
      check(tessera_keyset_add(cfg.verify_keys, k), "verify.secret");
      tessera_key_free(k); /* the set keeps its own reference */
    }
  }
  if (jwks) {
    size_t len = 0;
    char *text = read_file(jwks, &len);
    if (!text) die("config: verify.jwks: cannot read %s", jwks);
    check(tessera_keyset_new_jwks(text, len, &cfg.verify_keys), "verify.jwks");
    free(text);
  }
  if (iss) check(tessera_policy_set_issuer(cfg.verify_policy, iss), "verify.issuer");
  if (aud) check(tessera_policy_set_audience(cfg.verify_policy, aud), "verify.audience");
  if (max) {
    if (!json_is_integer(max) || json_integer_value(max) <= 0 || json_integer_value(max) > UINT32_MAX)
      die("config: verify.maxLifetime must be a positive number of seconds");
    check(tessera_policy_set_max_lifetime(cfg.verify_policy, (uint32_t)json_integer_value(max)), "verify.maxLifetime");
  }
  if (leeway) {
    if (!json_is_integer(leeway) || json_integer_value(leeway) < 0 || json_integer_value(leeway) > UINT32_MAX)
      die("config: verify.leeway must be a number of seconds");
    check(tessera_policy_set_leeway(cfg.verify_policy, (uint32_t)json_integer_value(leeway)), "verify.leeway");
  }
}

/* The JWT platforms of tessera_platform_token: each has a config section of
 * its own name (a missing one answers 404) and GET /<name>/token. `key` and
 * `pem` name the section member that holds the HMAC secret or the path of the
 * private key; `fixed` maps section members to the profile's parameters
 * (constant for the server); `query` maps query arguments to parameters
 * (given per request; the library refuses what is missing or malformed, and
 * that is a 400); `always` are constant parameters. */
#define MAX_PARAMS 16
struct jwt_platform {
  const char *name;
  tessera_alg alg;
  const char *key, *pem, *kid_prefix, *kid_suffix;
  const char *fixed[4][2];
  const char *query[8][2];
  const char *always[2];
  /* Loaded from the config. */
  tessera_key *signing;
  uint32_t ttl;
  char *params[MAX_PARAMS];
  size_t nparams;
};

static struct jwt_platform platforms[] = {
    {.name = "livekit", .alg = TESSERA_HS256, .key = "apiSecret", .fixed = {{"apiKey", "api_key"}},
     .query = {{"identity", "identity"}, {"room", "room"}, {"name", "name"}, {"metadata", "metadata"}},
     .always = {"roomJoin=true"}},
    {.name = "twilio", .alg = TESSERA_HS256, .key = "apiKeySecret",
     .fixed = {{"accountSid", "account_sid"}, {"apiKeySid", "api_key_sid"}},
     .query = {{"identity", "identity"}, {"room", "room"}}},
    {.name = "vonage", .alg = TESSERA_RS256, .pem = "privateKey", .fixed = {{"applicationId", "application_id"}},
     .query = {{"sessionId", "session_id"}, {"role", "role"}, {"connectionData", "connection_data"}}},
    {.name = "zoom", .alg = TESSERA_HS256, .key = "sdkSecret", .fixed = {{"sdkKey", "app_key"}},
     .query = {{"sessionName", "tpc"}, {"roleType", "role_type"}, {"userKey", "user_key"}, {"sessionKey", "session_key"}}},
    {.name = "jaas", .alg = TESSERA_RS256, .pem = "privateKey", .kid_prefix = "appId", .kid_suffix = "keyId",
     .query = {{"room", "room"}, {"userId", "user.id"}, {"name", "user.name"}, {"email", "user.email"},
               {"moderator", "user.moderator"}}},
    {.name = "stream", .alg = TESSERA_HS256, .key = "apiSecret", .query = {{"userId", "user_id"}}},
    {.name = "100ms", .alg = TESSERA_HS256, .key = "appSecret", .fixed = {{"appAccessKey", "access_key"}},
     .query = {{"roomId", "room_id"}, {"userId", "user_id"}, {"role", "role"}}},
    {.name = "daily", .alg = TESSERA_HS256, .key = "apiKey", .fixed = {{"domainId", "domain_id"}},
     .query = {{"room", "room"}, {"userId", "user_id"}, {"userName", "user_name"}, {"isOwner", "is_owner"}}},
};
#define PLATFORM_COUNT (sizeof platforms / sizeof platforms[0])

static char *param(const char *name, const char *value) {
  size_t n = strlen(name) + 1 + strlen(value) + 1;
  char *p = malloc(n);
  if (!p) die("out of memory");
  snprintf(p, n, "%s=%s", name, value);
  return p;
}

static void load_platform(struct jwt_platform *pl, json_t *sec) {
  json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
  if (ttl < 0 || ttl > UINT32_MAX) die("config: %s.ttl must be 0 (the platform's default) to 4294967295", pl->name);
  pl->ttl = (uint32_t)ttl;
  if (pl->key) {
    const char *secret = config_string(sec, pl->name, pl->key);
    check(tessera_key_new_hmac(pl->alg, secret, strlen(secret), NULL, &pl->signing), pl->name);
  } else {
    size_t len = 0;
    char kid[512];
    const char *path = config_string(sec, pl->name, pl->pem);
    char *pem = read_file(path, &len);
    if (!pem) die("config: %s.%s: cannot read %s", pl->name, pl->pem, path);
    if (pl->kid_prefix)
      snprintf(kid, sizeof kid, "%s/%s", config_string(sec, pl->name, pl->kid_prefix),
               config_string(sec, pl->name, pl->kid_suffix));
    check(tessera_key_new_pem(pl->alg, pem, len, pl->kid_prefix ? kid : NULL, &pl->signing), pl->name);
    explicit_bzero(pem, len);
    free(pem);
  }
  for (size_t i = 0; i < 4 && pl->fixed[i][0]; i++)
    pl->params[pl->nparams++] = param(pl->fixed[i][1], config_string(sec, pl->name, pl->fixed[i][0]));
  for (size_t i = 0; i < 2 && pl->always[i]; i++) pl->params[pl->nparams++] = strdup(pl->always[i]);
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

static void load_config(const char *path) {
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr), *sec;
  tessera_policy *p;
  if (!root) die("config %s: %s (line %d)", path, jerr.text, jerr.line);

  const char *database = json_string_value(json_object_get(root, "database"));
  if (!database) die("config: database must be a path");
  if (sqlite3_open_v2(database, &cfg.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    die("sqlite: cannot open %s", database);
  db_exec("PRAGMA journal_mode=WAL;"
          "CREATE TABLE IF NOT EXISTS meetings (id TEXT PRIMARY KEY, created INTEGER NOT NULL);"
          "CREATE TABLE IF NOT EXISTS sceenic_sessions (token_id TEXT PRIMARY KEY, token TEXT NOT NULL,"
          " created INTEGER NOT NULL);");
  pthread_mutex_init(&cfg.db_lock, NULL);

  if ((sec = json_object_get(root, "skyway"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    cfg.skyway_secret = strdup(config_string(sec, "skyway", "secretKey"));
    if (ttl < TESSERA_CREDENTIAL_TTL_MIN || ttl > TESSERA_CREDENTIAL_TTL_MAX) die("config: skyway.ttl must be 600-90000");
    cfg.skyway_ttl = (uint32_t)ttl;
    cfg.session_tokens = json_incref(json_object_get(sec, "sessionTokens"));
  }
  if ((sec = json_object_get(root, "videosdk"))) {
    const char *secret = config_string(sec, "videosdk", "secret");
    cfg.videosdk_apikey = strdup(config_string(sec, "videosdk", "apiKey"));
    check(tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &cfg.videosdk_key), "videosdk.secret");
    {
      json_t *constant = json_pack("{s:s, s:i}", "apikey", cfg.videosdk_apikey, "version", 2);
      char *text = json_dumps(constant, JSON_COMPACT);
      check(tessera_signer_new(cfg.videosdk_key, text, strlen(text), 600, 0, &cfg.videosdk_signer), "videosdk template");
      free(text);
      json_decref(constant);
    }
    check(tessera_policy_new(&cfg.videosdk_policy), "policy");
    check(tessera_policy_allow_alg(cfg.videosdk_policy, TESSERA_HS256), "policy");
    check(tessera_policy_set_max_lifetime(cfg.videosdk_policy, 600), "policy");
    check(tessera_policy_require_claim(cfg.videosdk_policy, "apikey"), "policy");
  }
  if ((sec = json_object_get(root, "apirtc"))) {
    const char *secret = config_string(sec, "apirtc", "secret");
    tessera_key *k = NULL;
    json_t *constant = json_pack("{s:s, s:s}", "sub", config_string(sec, "apirtc", "apiKey"), "aud", "apiRTC");
    char *text = json_dumps(constant, JSON_COMPACT);
    check(tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &k), "apirtc.secret");
    check(tessera_signer_new(k, text, strlen(text), 3600, TESSERA_ISSUE_JTI, &cfg.apirtc_signer), "apirtc template");
    tessera_key_free(k); /* the template keeps its own reference */
    free(text);
    json_decref(constant);
  }
  if ((sec = json_object_get(root, "sceenic"))) {
    const char *secret = config_string(sec, "sceenic", "apiSecret");
    cfg.sceenic_apikey = strdup(config_string(sec, "sceenic", "apiKey"));
    check(tessera_key_new_hmac(TESSERA_HS256, secret, strlen(secret), NULL, &cfg.sceenic_key), "sceenic.apiSecret");
  }
  if ((sec = json_object_get(root, "skykit"))) {
    const char *issuer;
    json_t *path;
    json_object_foreach(json_object_get(sec, "keys"), issuer, path) {
      size_t len = 0;
      char *pem;
      struct skykit_key *s = &cfg.skykit[cfg.skykit_count];
      if (cfg.skykit_count == MAX_SKYKIT_KEYS) die("config: at most %d Skykit keys", MAX_SKYKIT_KEYS);
      if (!json_is_string(path) || !(pem = read_file(json_string_value(path), &len)))
        die("config: skykit key for %s: cannot read its PEM", issuer);
      check(tessera_key_new_pem(TESSERA_RS256, pem, len, NULL, &s->key), "skykit key");
      free(pem);
      /* Skykit: RS256, iss the registered e-mail, lifetime at most one hour. */
      check(tessera_policy_new(&p), "policy");
      check(tessera_policy_allow_alg(p, TESSERA_RS256), "policy");
      check(tessera_policy_set_issuer(p, issuer), "skykit issuer");
      check(tessera_policy_set_max_lifetime(p, 3600), "policy");
      s->policy = p;
      s->issuer = strdup(issuer);
      cfg.skykit_count++;
    }
  }
  if ((sec = json_object_get(root, "turn"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    cfg.turn_secret = strdup(config_string(sec, "turn", "secret"));
    if (ttl <= 0 || ttl > 7 * 86400) die("config: turn.ttl must be 1-604800");
    cfg.turn_ttl = (uint32_t)ttl;
    cfg.turn_uris = json_incref(json_object_get(sec, "uris"));
    if (!json_is_array(cfg.turn_uris)) die("config: turn.uris must be an array");
  }
  if ((sec = json_object_get(root, "agora"))) {
    json_int_t expire = json_integer_value(json_object_get(sec, "expire"));
    cfg.agora_app_id = strdup(config_string(sec, "agora", "appId"));
    cfg.agora_certificate = strdup(config_string(sec, "agora", "appCertificate"));
    if (expire <= 0 || expire > 86400) die("config: agora.expire must be 1-86400");
    cfg.agora_expire = (uint32_t)expire;
    {
      char probe[512];
      size_t n = 0;
      check(tessera_agora_rtm_token(cfg.agora_app_id, cfg.agora_certificate, "probe", 1, 0, 1, probe, sizeof probe, &n),
            "config: agora (appId and appCertificate: 32 hex characters each)");
    }
  }
  if ((sec = json_object_get(root, "trtc"))) {
    json_int_t app = json_integer_value(json_object_get(sec, "sdkAppId"));
    json_int_t expire = json_integer_value(json_object_get(sec, "expire"));
    if (app <= 0) die("config: trtc.sdkAppId must be a positive integer");
    if (expire <= 0 || expire > UINT32_MAX) die("config: trtc.expire must be a positive number of seconds");
    cfg.trtc_app_id = (uint64_t)app;
    cfg.trtc_key = strdup(config_string(sec, "trtc", "secretKey"));
    cfg.trtc_expire = (uint32_t)expire;
    {
      char probe[512];
      size_t n = 0;
      check(tessera_trtc_usersig(cfg.trtc_app_id, cfg.trtc_key, strlen(cfg.trtc_key), "probe", cfg.trtc_expire, 0, probe,
                                 sizeof probe, &n), "config: trtc");
    }
  }
  if ((sec = json_object_get(root, "janus"))) {
    json_int_t ttl = json_integer_value(json_object_get(sec, "ttl"));
    cfg.janus_secret = strdup(config_string(sec, "janus", "tokenAuthSecret"));
    if (ttl <= 0 || ttl > 7 * 86400) die("config: janus.ttl must be 1-604800");
    cfg.janus_ttl = (uint32_t)ttl;
    cfg.janus_plugins = json_incref(json_object_get(sec, "plugins"));
    if (!json_is_array(cfg.janus_plugins) || json_array_size(cfg.janus_plugins) > 16)
      die("config: janus.plugins must be an array of at most 16 plugin names");
    cfg.janus_count = json_array_size(cfg.janus_plugins);
    for (size_t i = 0; i < cfg.janus_count; i++)
      if (!(cfg.janus_names[i] = json_string_value(json_array_get(cfg.janus_plugins, i))))
        die("config: janus.plugins must hold strings");
    {
      char probe[2048];
      size_t n = 0;
      check(tessera_janus_token(cfg.janus_secret, strlen(cfg.janus_secret), 0, cfg.janus_names, cfg.janus_count, probe,
                                sizeof probe, &n),
            "config: janus (plugin names: no ',' or ':')");
    }
  }
  for (size_t i = 0; i < PLATFORM_COUNT; i++)
    if ((sec = json_object_get(root, platforms[i].name))) load_platform(&platforms[i], sec);
  if ((sec = json_object_get(root, "verify"))) load_verify(sec);
  json_decref(root);
}

/* ---- requests ------------------------------------------------------------------ */

struct request {
  char *body;
  size_t len;
  int too_large;
  struct timespec start;
};

struct reply {
  unsigned status;
  char *body;               /* malloc'd; JSON unless content_type says otherwise */
  const char *content_type; /* NULL: application/json */
  const char *www_authenticate;
  char subject[257]; /* /verify: X-Auth-Subject, when the token's sub is printable ASCII */
}; /* members left out of an initializer are zero: no extra headers */

static struct reply json_reply(unsigned status, json_t *obj) {
  struct reply r = {.status = status, .body = json_dumps(obj, JSON_COMPACT)};
  json_decref(obj);
  return r;
}

static struct reply error_reply(unsigned status, const char *message) {
  return json_reply(status, json_pack("{s:s}", "error", message));
}

static struct reply tessera_error_reply(unsigned status, int rc) {
  return json_reply(status, json_pack("{s:s, s:s}", "error", tessera_strerror(rc), "detail", tessera_last_error()));
}

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

static void random_letters(char *out, size_t n) {
  unsigned char b[64];
  size_t i;
  if (getrandom(b, n, 0) != (ssize_t)n) die("getrandom failed");
  for (i = 0; i < n; i++) out[i] = (char)('a' + b[i] % 26);
}

static void random_hex(char *out, size_t bytes) {
  unsigned char b[32];
  size_t i;
  if (bytes > sizeof b || getrandom(b, bytes, 0) != (ssize_t)bytes) die("getrandom failed");
  for (i = 0; i < bytes; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

/* The token in an Authorization header: "Bearer <token>" or the bare token
 * (VideoSDK's clients send it bare). */
static const char *bearer(struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (!h) return NULL;
  if (strncmp(h, "Bearer ", 7) == 0) h += 7;
  return *h ? h : NULL;
}

/* ---- platform handlers ----------------------------------------------------------- */

static struct reply skyway_authenticate(struct request *rq) {
  char peer[256], session[256];
  char out[1024];
  size_t n = 0;
  int a, b, rc;
  if (!cfg.skyway_secret) return error_reply(404, "SkyWay is not configured");
  a = form_value(rq->body, rq->len, "peerId", peer, sizeof peer);
  b = form_value(rq->body, rq->len, "sessionToken", session, sizeof session);
  if (a < 0 || b < 0) return error_reply(400, "malformed form body");
  if (a == 0 || b == 0 || !*peer) return error_reply(400, "peerId and sessionToken are required");
  if (json_is_array(cfg.session_tokens)) {
    size_t i, ok = 0;
    json_t *v;
    json_array_foreach(cfg.session_tokens, i, v) ok |= json_is_string(v) && strcmp(json_string_value(v), session) == 0;
    if (!ok) return error_reply(401, "unknown session token");
  }
  rc = tessera_credential_json(cfg.skyway_secret, strlen(cfg.skyway_secret), peer, strlen(peer), tessera_now(),
                               cfg.skyway_ttl, out, sizeof out, &n);
  if (rc == TESSERA_E_MALFORMED || rc == TESSERA_E_ARGUMENT) return tessera_error_reply(400, rc);
  if (rc != TESSERA_OK) return tessera_error_reply(500, rc);
  return (struct reply){.status = 200, .body = strdup(out)};
}

static struct reply videosdk_get_token(struct MHD_Connection *c) {
  const char *perms = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "permissions");
  /* The per-token claims: {"permissions":[...]}, from a fixed vocabulary. */
  char extra[256] = "{\"permissions\":[", token[2048];
  size_t used = strlen(extra), n = 0;
  int rc, count = 0;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!perms) perms = "allow_join";
  while (*perms) {
    size_t len = strcspn(perms, ",");
    if (!((len == 10 && !strncmp(perms, "allow_join", 10)) || (len == 8 && !strncmp(perms, "ask_join", 8)) ||
          (len == 9 && !strncmp(perms, "allow_mod", 9))) || ++count > 3)
      return error_reply(400, "permissions are allow_join, ask_join and allow_mod");
    used += (size_t)snprintf(extra + used, sizeof extra - used, "%s\"%.*s\"", count > 1 ? "," : "", (int)len, perms);
    perms += len;
    if (*perms == ',') perms++;
  }
  snprintf(extra + used, sizeof extra - used, "]}");
  rc = tessera_signer_sign(cfg.videosdk_signer, extra, strlen(extra), tessera_now(), token, sizeof token, &n);
  if (rc != TESSERA_OK) return tessera_error_reply(500, rc);
  {
    /* A token is base64url and dots: nothing to escape. */
    struct reply r = {.status = 200, .body = malloc(n + 13)};
    if (r.body) sprintf(r.body, "{\"token\":\"%s\"}", token);
    return r;
  }
}

static int videosdk_token_ok(struct MHD_Connection *c, struct reply *fail) {
  const char *token = bearer(c);
  int rc;
  if (!token) {
    *fail = error_reply(401, "missing token in Authorization");
    return 0;
  }
  rc = tessera_jwt_verify(cfg.videosdk_key, token, strlen(token), cfg.videosdk_policy, NULL, 0, NULL);
  if (rc != TESSERA_OK) {
    *fail = tessera_error_reply(401, rc);
    return 0;
  }
  return 1;
}

static struct reply videosdk_create_meeting(struct MHD_Connection *c) {
  struct reply fail;
  char id[12];
  sqlite3_stmt *st;
  int tries;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!videosdk_token_ok(c, &fail)) return fail;
  pthread_mutex_lock(&cfg.db_lock);
  for (tries = 0; tries < 8; tries++) {
    random_letters(id, 3);
    id[3] = '-';
    random_letters(id + 4, 3);
    id[7] = '-';
    random_letters(id + 8, 3);
    id[11] = '\0';
    if (sqlite3_prepare_v2(cfg.db, "INSERT INTO meetings (id, created) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK) break;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, tessera_now());
    if (sqlite3_step(st) == SQLITE_DONE) {
      sqlite3_finalize(st);
      pthread_mutex_unlock(&cfg.db_lock);
      return json_reply(200, json_pack("{s:s}", "meetingId", id));
    }
    sqlite3_finalize(st); /* an id taken already: try another */
  }
  pthread_mutex_unlock(&cfg.db_lock);
  return error_reply(500, "could not store the meeting");
}

static struct reply videosdk_validate_meeting(struct MHD_Connection *c, const char *id) {
  struct reply fail;
  sqlite3_stmt *st;
  int found = 0;
  if (!cfg.videosdk_key) return error_reply(404, "VideoSDK is not configured");
  if (!videosdk_token_ok(c, &fail)) return fail;
  if (!valid_id(id)) return error_reply(404, "no such meeting");
  pthread_mutex_lock(&cfg.db_lock);
  if (sqlite3_prepare_v2(cfg.db, "SELECT 1 FROM meetings WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
  }
  pthread_mutex_unlock(&cfg.db_lock);
  if (!found) return error_reply(404, "no such meeting");
  return json_reply(200, json_pack("{s:s}", "meetingId", id));
}

static struct reply apirtc_token(struct MHD_Connection *c) {
  const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId");
  json_t *extra;
  char *text, token[2048];
  size_t n = 0;
  int rc;
  if (!cfg.apirtc_signer) return error_reply(404, "ApiRTC is not configured");
  if (!user || !*user) return error_reply(400, "userId is required");
  extra = json_pack("{s:{s:s}}", "grants", "apiRTC_UserAgent_Id", user);
  if (!extra) return error_reply(400, "userId is not valid UTF-8");
  text = json_dumps(extra, JSON_COMPACT);
  json_decref(extra);
  rc = tessera_signer_sign(cfg.apirtc_signer, text, strlen(text), tessera_now(), token, sizeof token, &n);
  free(text);
  if (rc == TESSERA_E_MALFORMED) return tessera_error_reply(400, rc);
  if (rc != TESSERA_OK) return tessera_error_reply(500, rc);
  return json_reply(200, json_pack("{s:s}", "token", token));
}

static struct reply sceenic_create(void) {
  char id[33], token[2048], *text;
  json_t *claims;
  size_t n = 0;
  sqlite3_stmt *st;
  int rc, ok = 0;
  if (!cfg.sceenic_key) return error_reply(404, "Sceenic is not configured");
  random_hex(id, 16);
  claims = json_pack("{s:s, s:s}", "apiKey", cfg.sceenic_apikey, "tokenId", id);
  text = json_dumps(claims, JSON_COMPACT);
  json_decref(claims);
  /* Made once, stored, handed to every client sharing the tokenId. */
  rc = tessera_jwt_issue(cfg.sceenic_key, text, strlen(text), tessera_now(), 86400, TESSERA_ISSUE_JTI, token, sizeof token, &n);
  free(text);
  if (rc != TESSERA_OK) return tessera_error_reply(500, rc);
  pthread_mutex_lock(&cfg.db_lock);
  if (sqlite3_prepare_v2(cfg.db, "INSERT INTO sceenic_sessions (token_id, token, created) VALUES (?, ?, ?)", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, tessera_now());
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
  }
  pthread_mutex_unlock(&cfg.db_lock);
  if (!ok) return error_reply(500, "could not store the session");
  return json_reply(200, json_pack("{s:s, s:s}", "tokenId", id, "token", token));
}

static struct reply sceenic_get(const char *id) {
  sqlite3_stmt *st;
  struct reply r = {.status = 0};
  if (!cfg.sceenic_key) return error_reply(404, "Sceenic is not configured");
  if (!valid_id(id)) return error_reply(404, "no such session");
  pthread_mutex_lock(&cfg.db_lock);
  if (sqlite3_prepare_v2(cfg.db, "SELECT token FROM sceenic_sessions WHERE token_id = ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
      r = json_reply(200, json_pack("{s:s, s:s}", "tokenId", id, "token", (const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
  }
  pthread_mutex_unlock(&cfg.db_lock);
  return r.body ? r : error_reply(404, "no such session");
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

static struct reply skykit_devices(struct MHD_Connection *c) {
  const char *token = bearer(c);
  char issuer[256];
  size_t i;
  int rc;
  if (!token) return error_reply(401, "missing Bearer token");
  if (!unverified_issuer(token, issuer, sizeof issuer)) return error_reply(401, "no issuer in the token");
  for (i = 0; i < cfg.skykit_count; i++) {
    if (strcmp(cfg.skykit[i].issuer, issuer) != 0) continue;
    rc = tessera_jwt_verify(cfg.skykit[i].key, token, strlen(token), cfg.skykit[i].policy, NULL, 0, NULL);
    if (rc != TESSERA_OK) return tessera_error_reply(401, rc);
    return json_reply(200, json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}], s:s}", "devices", "key", "dev-lobby-01", "name",
                                     "Lobby display", "status", "online", "key", "dev-hall-02", "name", "Hall kiosk",
                                     "status", "offline", "owner", issuer));
  }
  return error_reply(401, "no public key is registered for this issuer");
}

static struct reply turn_credentials(struct MHD_Connection *c) {
  const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "username");
  char username[600], password[64];
  size_t n = 0;
  int rc;
  if (!cfg.turn_secret) return error_reply(404, "TURN is not configured");
  if (!user || !*user || strlen(user) > 256 || strchr(user, ':')) return error_reply(400, "username is required (no ':')");
  snprintf(username, sizeof username, "%lld:%s", (long long)(tessera_now() + cfg.turn_ttl), user);
  rc = tessera_turn_password(cfg.turn_secret, strlen(cfg.turn_secret), username, strlen(username), password, sizeof password, &n);
  if (rc != TESSERA_OK) return tessera_error_reply(500, rc);
  return json_reply(200, json_pack("{s:s, s:s, s:i, s:O}", "username", username, "password", password, "ttl",
                                   (json_int_t)cfg.turn_ttl, "uris", cfg.turn_uris));
}

/* The configuration is checked at start-up (a probe token each), and each
 * request's input is bounded before the call: what the library refuses now
 * is the request's (400), but for running out of memory or OpenSSL (500). */
static struct reply platform_error(int rc) {
  return tessera_error_reply(rc == TESSERA_E_NOMEM || rc == TESSERA_E_CRYPTO ? 500 : 400, rc);
}

/* Whether a query value is 1 to max bytes. */
static int sized(const char *s, size_t max) { return s && *s && strlen(s) <= max; }

/* GET /agora/rtc-token?channel=C[&uid=N|&account=A][&role=publisher|subscriber] */
static struct reply agora_rtc_token(struct MHD_Connection *c) {
  const char *channel = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "channel");
  const char *uid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "uid");
  const char *account = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account");
  const char *role = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "role");
  char token[1024];
  size_t n = 0;
  int r, rc;
  if (!cfg.agora_app_id) return error_reply(404, "Agora is not configured");
  char digits[24];
  /* Agora's own limits: a channel name under 64 bytes, a user account of at
   * most 255. */
  if (!sized(channel, 63)) return error_reply(400, "channel is required (at most 63 bytes)");
  if (uid && account) return error_reply(400, "give uid or account, not both");
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
  if (rc != TESSERA_OK) return platform_error(rc);
  return json_reply(200, json_pack("{s:s, s:s, s:I}", "token", token, "appId", cfg.agora_app_id, "expire",
                                   (json_int_t)cfg.agora_expire));
}

/* GET /agora/rtm-token?userId=U */
static struct reply agora_rtm_token(struct MHD_Connection *c) {
  const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId");
  char token[1024];
  size_t n = 0;
  int rc;
  if (!cfg.agora_app_id) return error_reply(404, "Agora is not configured");
  if (!sized(user, 64)) return error_reply(400, "userId is required (at most 64 bytes)");
  rc = tessera_agora_rtm_token(cfg.agora_app_id, cfg.agora_certificate, user, cfg.agora_expire, tessera_now(), 0, token,
                               sizeof token, &n);
  if (rc != TESSERA_OK) return platform_error(rc);
  return json_reply(200, json_pack("{s:s, s:s, s:I}", "token", token, "appId", cfg.agora_app_id, "expire",
                                   (json_int_t)cfg.agora_expire));
}

/* GET /trtc/usersig?userId=U */
static struct reply trtc_usersig(struct MHD_Connection *c) {
  const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "userId");
  char sig[2048];
  size_t n = 0;
  int rc;
  if (!cfg.trtc_key) return error_reply(404, "TRTC is not configured");
  /* Tencent's limit on a user id. */
  if (!sized(user, 32)) return error_reply(400, "userId is required (at most 32 bytes)");
  rc = tessera_trtc_usersig(cfg.trtc_app_id, cfg.trtc_key, strlen(cfg.trtc_key), user, cfg.trtc_expire, tessera_now(), sig,
                            sizeof sig, &n);
  if (rc != TESSERA_OK) return platform_error(rc);
  return json_reply(200, json_pack("{s:I, s:s, s:s, s:I}", "sdkAppId", (json_int_t)cfg.trtc_app_id, "userId", user,
                                   "userSig", sig, "expire", (json_int_t)cfg.trtc_expire));
}

/* GET /janus/token: a token for the configured plugins. */
static struct reply janus_token(void) {
  size_t n = 0;
  char token[2048];
  int64_t expiry = tessera_now() + cfg.janus_ttl;
  int rc;
  if (!cfg.janus_secret) return error_reply(404, "Janus is not configured");
  rc = tessera_janus_token(cfg.janus_secret, strlen(cfg.janus_secret), expiry, cfg.janus_names, cfg.janus_count, token,
                           sizeof token, &n);
  if (rc != TESSERA_OK) return platform_error(rc);
  return json_reply(200, json_pack("{s:s, s:I}", "token", token, "expiry", (json_int_t)expiry));
}

/* GET /<platform>/token?…: the platform's JWT from its profile. */
static struct reply platform_token(struct MHD_Connection *c, struct jwt_platform *pl) {
  const char *params[MAX_PARAMS];
  char *owned[8];
  size_t count = 0, nowned = 0, n = 0;
  char *token;
  int rc;
  struct reply r;
  if (!pl->signing) return error_reply(404, "this platform is not configured");
  for (size_t i = 0; i < pl->nparams; i++) params[count++] = pl->params[i];
  for (size_t i = 0; i < 8 && pl->query[i][0]; i++) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, pl->query[i][0]);
    if (v && strlen(v) > 4096) {
      for (size_t k = 0; k < nowned; k++) free(owned[k]);
      return error_reply(400, "a query argument is over 4096 bytes");
    }
    if (v) params[count++] = owned[nowned++] = param(pl->query[i][1], v);
  }
  token = malloc(TESSERA_TOKEN_MAX + 1);
  if (!token) {
    r = error_reply(500, "out of memory");
  } else {
    rc = tessera_platform_token(pl->signing, pl->name, params, count, tessera_now(), pl->ttl, token, TESSERA_TOKEN_MAX + 1,
                                &n);
    r = rc == TESSERA_OK ? json_reply(200, json_pack("{s:s}", "token", token)) : platform_error(rc);
  }
  free(token);
  for (size_t i = 0; i < nowned; i++) free(owned[i]);
  return r;
}

/* Safe to send as a header value: no control characters, nothing beyond ASCII. */
static int printable_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

/* GET /verify, for nginx's auth_request: 200 when the Bearer token meets the
 * configured policy (the claims as the body, the subject in X-Auth-Subject),
 * 401 with a WWW-Authenticate challenge (RFC 6750) when not. */
static struct reply verify_bearer(struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  char *claims;
  size_t n = 0;
  int rc;
  struct reply r;
  json_t *parsed;
  const char *sub;
  if (!cfg.verify_keys) return error_reply(404, "token verification is not configured");
  if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
    r = error_reply(401, "missing Bearer token");
    r.www_authenticate = "Bearer realm=\"tessera\"";
    return r;
  }
  claims = malloc(TESSERA_TOKEN_MAX);
  if (!claims) return error_reply(500, "out of memory");
  rc = tessera_jwt_verify_keyset(cfg.verify_keys, h + 7, strlen(h + 7), cfg.verify_policy, claims, TESSERA_TOKEN_MAX, &n);
  if (rc != TESSERA_OK) {
    free(claims);
    r = tessera_error_reply(401, rc);
    r.www_authenticate = "Bearer realm=\"tessera\", error=\"invalid_token\"";
    return r;
  }
  r = (struct reply){.status = 200, .body = claims};
  parsed = json_loadb(claims, n, 0, NULL);
  sub = json_string_value(json_object_get(parsed, "sub"));
  if (sub && strlen(sub) < sizeof r.subject && printable_ascii(sub))
    strcpy(r.subject, sub);
  json_decref(parsed);
  return r;
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

/* ---- routing ----------------------------------------------------------------------- */

static struct reply route(struct MHD_Connection *c, const char *url, const char *method, struct request *rq) {
  int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
#define ONLY(cond) \
  if (!(cond)) return error_reply(405, "method not allowed")
  if (rq->too_large) return error_reply(413, "request body over 64 KiB");
  if (strcmp(url, "/healthz") == 0) {
    ONLY(get);
    return json_reply(200, json_pack("{s:s}", "status", "ok"));
  }
  if (strcmp(url, "/authenticate") == 0) {
    ONLY(post);
    return skyway_authenticate(rq);
  }
  if (strcmp(url, "/get-token") == 0) {
    ONLY(get);
    return videosdk_get_token(c);
  }
  if (strcmp(url, "/create-meeting") == 0) {
    ONLY(post);
    return videosdk_create_meeting(c);
  }
  if (strncmp(url, "/validate-meeting/", 18) == 0) {
    ONLY(post);
    return videosdk_validate_meeting(c, url + 18);
  }
  if (strcmp(url, "/apirtc/token") == 0) {
    ONLY(get);
    return apirtc_token(c);
  }
  if (strcmp(url, "/sceenic/sessions") == 0) {
    ONLY(post);
    return sceenic_create();
  }
  if (strncmp(url, "/sceenic/sessions/", 18) == 0) {
    ONLY(get);
    return sceenic_get(url + 18);
  }
  if (strcmp(url, "/sk-api/v1/devices") == 0) {
    ONLY(get);
    return skykit_devices(c);
  }
  if (strcmp(url, "/turn/credentials") == 0) {
    ONLY(get);
    return turn_credentials(c);
  }
  if (strcmp(url, "/agora/rtc-token") == 0) {
    ONLY(get);
    return agora_rtc_token(c);
  }
  if (strcmp(url, "/agora/rtm-token") == 0) {
    ONLY(get);
    return agora_rtm_token(c);
  }
  if (strcmp(url, "/trtc/usersig") == 0) {
    ONLY(get);
    return trtc_usersig(c);
  }
  if (strcmp(url, "/janus/token") == 0) {
    ONLY(get);
    return janus_token();
  }
  for (size_t i = 0; i < PLATFORM_COUNT; i++) {
    size_t k = strlen(platforms[i].name);
    if (url[0] == '/' && strncmp(url + 1, platforms[i].name, k) == 0 && strcmp(url + 1 + k, "/token") == 0) {
      ONLY(get);
      return platform_token(c, &platforms[i]);
    }
  }
  if (strcmp(url, "/verify") == 0) {
    ONLY(get);
    return verify_bearer(c);
  }
  if (strcmp(url, "/") == 0) {
    ONLY(get);
    return (struct reply){.status = 200, .body = strdup(index_html), .content_type = "text/html; charset=utf-8"};
  }
#undef ONLY
  return error_reply(404, "not found");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *upload, size_t *upload_size, void **state) {
  struct request *rq = *state;
  struct reply r;
  struct MHD_Response *resp;
  enum MHD_Result ret;
  struct timespec end;
  (void)cls;
  (void)version;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq) return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    *state = rq;
    return MHD_YES;
  }
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
  r = route(c, url, method, rq);
  if (!r.body) r = error_reply(500, "internal error");
  resp = MHD_create_response_from_buffer(strlen(r.body), r.body, MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type ? r.content_type : "application/json");
  if (r.www_authenticate) MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r.www_authenticate);
  if (r.subject[0]) MHD_add_response_header(resp, "X-Auth-Subject", r.subject);
  ret = MHD_queue_response(c, r.status, resp);
  MHD_destroy_response(resp);
  clock_gettime(CLOCK_MONOTONIC, &end);
  fprintf(stderr, "%s %s %u %.3f ms\n", method, url, r.status,
          (double)(end.tv_sec - rq->start.tv_sec) * 1e3 + (double)(end.tv_nsec - rq->start.tv_nsec) / 1e6);
  return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode code) {
  struct request *rq = *state;
  (void)cls;
  (void)c;
  (void)code;
  if (rq) {
    free(rq->body);
    free(rq);
    *state = NULL;
  }
}

int main(int argc, char **argv) {
  const char *config = NULL;
  long port = 0;
  int i, sig;
  sigset_t set;
  struct MHD_Daemon *d;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else die("usage: auth-server --port PORT --config FILE");
  }
  if (!config || port <= 0 || port > 65535) die("usage: auth-server --port PORT --config FILE");
  load_config(config);
  /* SIGTERM/SIGINT are taken by sigwait below, in every thread. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handle,
                       NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
                       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_END);
  if (!d) die("cannot listen on port %ld", port);
  fprintf(stderr, "auth-server: Tessera %s listening on port %ld\n", tessera_version_string(), port);
  sigwait(&set, &sig);
  fprintf(stderr, "auth-server: signal %d, stopping\n", sig);
  MHD_stop_daemon(d);
  pthread_mutex_lock(&cfg.db_lock);
  sqlite3_close(cfg.db);
  pthread_mutex_unlock(&cfg.db_lock);
  fprintf(stderr, "auth-server: stopped\n");
  return 0;
}
