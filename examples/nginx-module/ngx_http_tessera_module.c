/*
 * ngx_http_tessera_module: verifies `Authorization: Bearer <JWT>` inside
 * nginx with Tessera, in the access phase, with no subrequest and no second
 * process. See README.md for the directives and variables.
 *
 * Per request, everything comes from the request's pool: the decoded claims
 * (at most the token's length) and the variables' values. Keys and the
 * policy are built once at configuration load and shared read-only by the
 * workers; `nginx -s reload` builds new ones. The verified-token cache is
 * per worker and per location (its policy), keyed by SHA-256 of the whole
 * token; a hit re-checks exp and nbf against the clock.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <math.h>
#include <stdlib.h>
/* SHA-256 keys the cache, through OpenSSL's direct SHA256_Init/Update/Final:
 * no context to allocate and no algorithm fetch per request (the one-shot
 * SHA256() goes through EVP and fetches). OpenSSL 3 marks them deprecated
 * (they stay supported); nginx's headers define OPENSSL_SUPPRESS_DEPRECATED. */
#include <openssl/sha.h>
#include <tessera.h>

/* The refusal categories, shared with the example auth server. */
#include "../common/status_category.h"

/* The largest key file read (Tessera limits a JWKS to 1 MiB). */
#define TJ_MAX_KEY_FILE     (1024 * 1024)
/* Claims above this size are verified on every request, never cached. */
#define TJ_MAX_CACHED_CLAIMS 8192
/* NumericDate bounds (RFC 7519; Tessera refuses anything outside). */
#define TJ_TIME_NONE_NBF    ((int64_t) -1)

typedef struct {
    ngx_str_t         path;
    tessera_keyset   *set;      /* a JWKS, or a single JWK */
    u_char           *pem;      /* or a PEM document, keys made per location */
    size_t            pem_len;
} ngx_http_tessera_keys_t;

typedef struct {
    ngx_rbtree_t       tree;
    ngx_rbtree_node_t  sentinel;
    ngx_queue_t        lru;     /* most recently used first */
    ngx_uint_t         count;
} ngx_http_tessera_cache_t;

typedef struct {
    ngx_rbtree_node_t  node;    /* key: the digest's first 8 bytes */
    ngx_queue_t        lru;
    u_char             digest[SHA256_DIGEST_LENGTH];
    int64_t            exp;     /* always present: tokens without are not cached */
    int64_t            nbf;     /* TJ_TIME_NONE_NBF when absent */
    size_t             claims_len;
    u_char             claims[1];
} ngx_http_tessera_entry_t;

typedef struct {
    ngx_flag_t                 enable;
    ngx_http_tessera_keys_t   *keys;
    ngx_array_t               *algorithms;   /* tessera_alg */
    ngx_str_t                  issuer;
    ngx_str_t                  audience;
    time_t                     leeway;
    time_t                     max_lifetime;
    ngx_array_t               *require;      /* NUL-terminated ngx_str_t */
    ngx_int_t                  cache_size;   /* entries per worker; 0: off */

    /* Built when the location is merged, where enable is on. */
    tessera_policy            *policy;
    tessera_key              **pem_keys;     /* PEM: one key per fitting alg */
    ngx_uint_t                 npem_keys;
    ngx_http_tessera_cache_t  *cache;        /* made by the worker on first use */
} ngx_http_tessera_loc_conf_t;

typedef struct {
    u_char       *claims;       /* the verified claims JSON, NULL if refused */
    size_t        claims_len;
    const char   *error;        /* the refusal's category */
} ngx_http_tessera_ctx_t;

static ngx_int_t ngx_http_tessera_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_tessera_init(ngx_conf_t *cf);
static void *ngx_http_tessera_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_tessera_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_tessera_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_tessera_algorithms(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_tessera_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_tessera_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

static ngx_command_t ngx_http_tessera_commands[] = {
    { ngx_string("tessera_jwt"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_FLAG,
      ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tessera_loc_conf_t, enable), NULL },
    { ngx_string("tessera_jwt_keys"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_http_tessera_keys, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("tessera_jwt_algorithms"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
      ngx_http_tessera_algorithms, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("tessera_jwt_issuer"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tessera_loc_conf_t, issuer), NULL },
    { ngx_string("tessera_jwt_audience"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tessera_loc_conf_t, audience), NULL },
    { ngx_string("tessera_jwt_leeway"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tessera_loc_conf_t, leeway), NULL },
    { ngx_string("tessera_jwt_max_lifetime"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tessera_loc_conf_t, max_lifetime), NULL },
    { ngx_string("tessera_jwt_require"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
      ngx_http_tessera_require, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("tessera_jwt_cache"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
      ngx_http_tessera_cache, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    ngx_null_command
};

static ngx_http_module_t ngx_http_tessera_module_ctx = {
    ngx_http_tessera_add_variables,     /* preconfiguration */
    ngx_http_tessera_init,              /* postconfiguration */
    NULL, NULL,                         /* main conf */
    NULL, NULL,                         /* server conf */
    ngx_http_tessera_create_loc_conf,
    ngx_http_tessera_merge_loc_conf
};

ngx_module_t ngx_http_tessera_module = {
    NGX_MODULE_V1,
    &ngx_http_tessera_module_ctx,
    ngx_http_tessera_commands,
    NGX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NGX_MODULE_V1_PADDING
};

/* ---- reading verified claims ---------------------------------------------
 * The claims Tessera returns passed its strict RFC 8259 check (one object,
 * valid UTF-8, no duplicate names), so this reader only walks them. */

static u_char *
tj_skip_ws(u_char *p, u_char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

/* Past the string whose opening quote is at p. */
static u_char *
tj_skip_string(u_char *p, u_char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            if (end - p < 2) {
                return end;
            }
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return end;
}

/* Past the value starting at p. */
static u_char *
tj_skip_value(u_char *p, u_char *end)
{
    ngx_uint_t  depth = 0;

    do {
        if (p >= end) {
            return end;
        }
        switch (*p) {
        case '"':
            p = tj_skip_string(p, end);
            break;
        case '{': case '[':
            depth++;
            p++;
            break;
        case '}': case ']':
            if (depth == 0) {
                return p;
            }
            depth--;
            p++;
            break;
        default:
            if (depth == 0) {
                while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' '
                       && *p != '\t' && *p != '\n' && *p != '\r')
                {
                    p++;
                }
            } else {
                p++;
            }
        }
    } while (depth > 0);
    return p;
}

static ngx_int_t
tj_hex4(u_char *p, u_char *end, uint32_t *v)
{
    ngx_int_t  k, d;

    if (end - p < 4) {
        return NGX_ERROR;
    }
    *v = 0;
    for (k = 0; k < 4; k++) {
        d = ngx_hextoi(p + k, 1);
        if (d == NGX_ERROR) {
            return NGX_ERROR;
        }
        *v = *v << 4 | (uint32_t) d;
    }
    return NGX_OK;
}

/* Unescapes the string content s[0..len) (between its quotes) into out
 * (room for len bytes: an escape never grows); returns the length. */
static size_t
tj_unescape(u_char *s, size_t len, u_char *out)
{
    u_char    *p = s, *end = s + len, *o = out;
    uint32_t   u, lo;

    while (p < end) {
        if (*p != '\\' || p + 1 >= end) {
            *o++ = *p++;
            continue;
        }
        p++;
        switch (*p++) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (tj_hex4(p, end, &u) != NGX_OK) {
                return (size_t) (o - out);
            }
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u'
                && tj_hex4(p + 2, end, &lo) == NGX_OK && lo >= 0xDC00 && lo <= 0xDFFF)
            {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (u < 0x80) {
                *o++ = (u_char) u;
            } else if (u < 0x800) {
                *o++ = (u_char) (0xC0 | u >> 6);
                *o++ = (u_char) (0x80 | (u & 0x3F));
            } else if (u < 0x10000) {
                *o++ = (u_char) (0xE0 | u >> 12);
                *o++ = (u_char) (0x80 | (u >> 6 & 0x3F));
                *o++ = (u_char) (0x80 | (u & 0x3F));
            } else {
                *o++ = (u_char) (0xF0 | u >> 18);
                *o++ = (u_char) (0x80 | (u >> 12 & 0x3F));
                *o++ = (u_char) (0x80 | (u >> 6 & 0x3F));
                *o++ = (u_char) (0x80 | (u & 0x3F));
            }
            break;
        default:                 /* '"', '\\', '/' */
            *o++ = p[-1];
        }
    }
    return (size_t) (o - out);
}

/* Whether the member name (content s[0..len), maybe escaped) is `name`:
 * exactly, or (caseless) ignoring ASCII case. */
static ngx_int_t
tj_name_is(u_char *s, size_t len, ngx_str_t *name, ngx_uint_t caseless)
{
    u_char  buf[256];
    size_t  n;

    if (len > sizeof buf) {
        return 0;
    }
    if (ngx_strlchr(s, s + len, '\\') == NULL) {
        n = len;
        ngx_memcpy(buf, s, len);
    } else {
        n = tj_unescape(s, len, buf);
    }
    if (n != name->len) {
        return 0;
    }
    return caseless ? ngx_strncasecmp(buf, name->data, n) == 0 : ngx_memcmp(buf, name->data, n) == 0;
}

/* The value of the top-level member `name` in the claims: its first byte
 * and its end, or NGX_DECLINED. */
static ngx_int_t
tj_member(u_char *claims, size_t len, ngx_str_t *name, ngx_uint_t caseless, u_char **value, u_char **vend)
{
    u_char  *p, *end = claims + len, *key, *key_end;

    p = tj_skip_ws(claims, end);
    if (p >= end || *p != '{') {
        return NGX_DECLINED;
    }
    p++;
    for ( ;; ) {
        p = tj_skip_ws(p, end);
        if (p >= end || *p != '"') {
            return NGX_DECLINED;
        }
        key = p + 1;
        p = tj_skip_string(p, end);
        key_end = p - 1;
        p = tj_skip_ws(p, end);
        if (p >= end || *p != ':') {
            return NGX_DECLINED;
        }
        p = tj_skip_ws(p + 1, end);
        if (tj_name_is(key, (size_t) (key_end - key), name, caseless)) {
            *value = p;
            *vend = tj_skip_value(p, end);
            return NGX_OK;
        }
        p = tj_skip_ws(tj_skip_value(p, end), end);
        if (p >= end || *p != ',') {
            return NGX_DECLINED;
        }
        p++;
    }
}

/* A NumericDate claim into *t, rounded up to the whole second as Tessera
 * does: NGX_OK; NGX_DECLINED when absent; NGX_ERROR when it cannot be read
 * here (then the token is not cached). Tessera has checked its type and
 * range, and that a number is at most 100 characters. */
static ngx_int_t
tj_numeric_date(u_char *claims, size_t len, const char *name, int64_t *t)
{
    ngx_str_t  n;
    u_char    *v, *vend, buf[128];
    size_t     l;
    double     d;

    n.data = (u_char *) name;
    n.len = ngx_strlen(name);
    if (tj_member(claims, len, &n, 0, &v, &vend) != NGX_OK) {
        return NGX_DECLINED;
    }
    l = (size_t) (vend - v);
    if (l == 0 || l >= sizeof buf || (*v != '-' && (*v < '0' || *v > '9'))) {
        return NGX_ERROR;
    }
    ngx_memcpy(buf, v, l);
    buf[l] = '\0';
    d = ceil(strtod((char *) buf, NULL));
    if (!(d >= 0 && d <= 253402300799.0)) {
        return NGX_ERROR;
    }
    *t = (int64_t) d;
    return NGX_OK;
}

/* ---- the verified-token cache (per worker, per location) ------------------ */

static void
ngx_http_tessera_rbtree_insert(ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t  **p;

    for ( ;; ) {
        if (node->key != temp->key) {
            p = node->key < temp->key ? &temp->left : &temp->right;
        } else {
            p = ngx_memcmp(((ngx_http_tessera_entry_t *) node)->digest,
                           ((ngx_http_tessera_entry_t *) temp)->digest, SHA256_DIGEST_LENGTH) < 0
                ? &temp->left : &temp->right;
        }
        if (*p == sentinel) {
            break;
        }
        temp = *p;
    }
    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}

static ngx_http_tessera_entry_t *
ngx_http_tessera_cache_find(ngx_http_tessera_cache_t *c, u_char *digest, ngx_rbtree_key_t key)
{
    ngx_rbtree_node_t  *node = c->tree.root, *sentinel = c->tree.sentinel;
    ngx_int_t           rc;

    while (node != sentinel) {
        if (key != node->key) {
            node = key < node->key ? node->left : node->right;
            continue;
        }
        rc = ngx_memcmp(digest, ((ngx_http_tessera_entry_t *) node)->digest, SHA256_DIGEST_LENGTH);
        if (rc == 0) {
            return (ngx_http_tessera_entry_t *) node;
        }
        node = rc < 0 ? node->left : node->right;
    }
    return NULL;
}

static void
ngx_http_tessera_cache_remove(ngx_http_tessera_cache_t *c, ngx_http_tessera_entry_t *e)
{
    ngx_rbtree_delete(&c->tree, &e->node);
    ngx_queue_remove(&e->lru);
    c->count--;
    ngx_free(e);
}

static void
ngx_http_tessera_cache_add(ngx_http_tessera_loc_conf_t *conf, ngx_log_t *log, u_char *digest, ngx_rbtree_key_t key,
    u_char *claims, size_t claims_len)
{
    ngx_http_tessera_cache_t  *c = conf->cache;
    ngx_http_tessera_entry_t  *e;
    int64_t                    exp, nbf = TJ_TIME_NONE_NBF;
    ngx_int_t                  rc;

    /* Only a token whose exp (and nbf, if any) can be re-checked on a hit. */
    if (claims_len > TJ_MAX_CACHED_CLAIMS || tj_numeric_date(claims, claims_len, "exp", &exp) != NGX_OK) {
        return;
    }
    rc = tj_numeric_date(claims, claims_len, "nbf", &nbf);
    if (rc == NGX_ERROR) {
        return;
    }
    if (c == NULL) {
        c = ngx_alloc(sizeof(ngx_http_tessera_cache_t), log);
        if (c == NULL) {
            return;
        }
        ngx_rbtree_init(&c->tree, &c->sentinel, ngx_http_tessera_rbtree_insert);
        ngx_queue_init(&c->lru);
        c->count = 0;
        conf->cache = c;
    }
    if (ngx_http_tessera_cache_find(c, digest, key) != NULL) {
        return;
    }
    while (c->count >= (ngx_uint_t) conf->cache_size && !ngx_queue_empty(&c->lru)) {
        ngx_http_tessera_cache_remove(c, ngx_queue_data(ngx_queue_last(&c->lru), ngx_http_tessera_entry_t, lru));
    }
    e = ngx_alloc(offsetof(ngx_http_tessera_entry_t, claims) + claims_len, log);
    if (e == NULL) {
        return;
    }
    e->node.key = key;
    ngx_memcpy(e->digest, digest, SHA256_DIGEST_LENGTH);
    e->exp = exp;
    e->nbf = nbf;
    e->claims_len = claims_len;
    ngx_memcpy(e->claims, claims, claims_len);
    ngx_rbtree_insert(&c->tree, &e->node);
    ngx_queue_insert_head(&c->lru, &e->lru);
    c->count++;
}

/* ---- the access handler ---------------------------------------------------- */

/* 401 with the RFC 6750 challenge: without an error when the request
 * carried no Bearer token, invalid_token when it carried a bad one. */
static ngx_int_t
ngx_http_tessera_refuse(ngx_http_request_t *r, ngx_http_tessera_ctx_t *ctx, const char *category,
    ngx_uint_t invalid)
{
    ngx_table_elt_t  *h;

    ctx->error = category;
    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "WWW-Authenticate");
    if (invalid) {
        ngx_str_set(&h->value, "Bearer error=\"invalid_token\"");
    } else {
        ngx_str_set(&h->value, "Bearer realm=\"tessera\"");
    }
    r->headers_out.www_authenticate = h;
    return NGX_HTTP_UNAUTHORIZED;
}

static int
ngx_http_tessera_verify(ngx_http_tessera_loc_conf_t *conf, ngx_str_t *token, u_char *claims, size_t cap,
    size_t *claims_len)
{
    ngx_uint_t  i;
    int         rc;

    if (conf->keys->set != NULL) {
        return tessera_jwt_verify_keyset(conf->keys->set, (const char *) token->data, token->len, conf->policy,
                                         (char *) claims, cap, claims_len);
    }
    /* A PEM key: one Tessera key per allowed algorithm it fits; the one of
     * the token's algorithm decides. */
    rc = TESSERA_E_ALGORITHM;
    for (i = 0; i < conf->npem_keys && rc == TESSERA_E_ALGORITHM; i++) {
        rc = tessera_jwt_verify(conf->pem_keys[i], (const char *) token->data, token->len, conf->policy,
                                (char *) claims, cap, claims_len);
    }
    return rc;
}

static ngx_int_t
ngx_http_tessera_handler(ngx_http_request_t *r)
{
    ngx_http_tessera_loc_conf_t  *conf;
    ngx_http_tessera_ctx_t       *ctx;
    ngx_http_tessera_entry_t     *e;
    ngx_table_elt_t              *auth;
    ngx_str_t                     token;
    ngx_rbtree_key_t              key = 0;
    u_char                        digest[SHA256_DIGEST_LENGTH], *claims;
    size_t                        claims_len = 0;
    int64_t                       now;
    int                           rc;
    SHA256_CTX                    sha;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_tessera_module);
    if (!conf->enable) {
        return NGX_DECLINED;
    }
    ctx = ngx_http_get_module_ctx(r, ngx_http_tessera_module);
    if (ctx != NULL) {          /* the phase runs again (satisfy, post-action) */
        return ctx->claims != NULL ? NGX_OK : NGX_HTTP_UNAUTHORIZED;
    }
    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_tessera_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ngx_http_set_ctx(r, ctx, ngx_http_tessera_module);

    auth = r->headers_in.authorization;
    if (auth == NULL || auth->value.len < sizeof("Bearer ") - 1
        || ngx_strncasecmp(auth->value.data, (u_char *) "Bearer ", sizeof("Bearer ") - 1) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "tessera: no Bearer token");
        return ngx_http_tessera_refuse(r, ctx, "missing", 0);
    }
    token.data = auth->value.data + sizeof("Bearer ") - 1;
    token.len = auth->value.len - (sizeof("Bearer ") - 1);
    while (token.len > 0 && token.data[0] == ' ') {
        token.data++;
        token.len--;
    }
    while (token.len > 0 && token.data[token.len - 1] == ' ') {
        token.len--;
    }
    if (token.len == 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "tessera: no Bearer token");
        return ngx_http_tessera_refuse(r, ctx, "missing", 0);
    }

    /* The system clock, as Tessera reads it (ngx_time() is the event
     * loop's cached second, which may lag). */
    now = (int64_t) time(NULL);
    if (conf->cache_size > 0) {
        SHA256_Init(&sha);
        SHA256_Update(&sha, token.data, token.len);
        SHA256_Final(digest, &sha);
        ngx_explicit_memzero(&sha, sizeof sha);
        ngx_memcpy(&key, digest, sizeof key);
        e = conf->cache ? ngx_http_tessera_cache_find(conf->cache, digest, key) : NULL;
        if (e != NULL) {
            if (now >= e->exp + (int64_t) conf->leeway) {
                ngx_http_tessera_cache_remove(conf->cache, e);
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "tessera: token refused: expired: \"exp\" has passed (cached token)");
                return ngx_http_tessera_refuse(r, ctx, "expired", 1);
            }
            if (e->nbf != TJ_TIME_NONE_NBF && e->nbf > now + (int64_t) conf->leeway) {
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "tessera: token refused: not_yet_valid: \"nbf\" is in the future (cached token)");
                return ngx_http_tessera_refuse(r, ctx, "not_yet_valid", 1);
            }
            ngx_queue_remove(&e->lru);
            ngx_queue_insert_head(&conf->cache->lru, &e->lru);
            ctx->claims = ngx_pnalloc(r->pool, e->claims_len + 1);
            if (ctx->claims == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
            ngx_memcpy(ctx->claims, e->claims, e->claims_len);
            ctx->claims[e->claims_len] = '\0';
            ctx->claims_len = e->claims_len;
            return NGX_OK;
        }
    }

    /* The decoded claims are shorter than the token. */
    claims = ngx_pnalloc(r->pool, token.len + 1);
    if (claims == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    rc = ngx_http_tessera_verify(conf, &token, claims, token.len + 1, &claims_len);
    if (rc != TESSERA_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "tessera: token refused: %s: %s",
                      rc == TESSERA_E_NOMEM ? "no_memory" : tessera_status_category(rc), tessera_last_error());
        if (rc == TESSERA_E_NOMEM) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        return ngx_http_tessera_refuse(r, ctx, tessera_status_category(rc), 1);
    }
    ctx->claims = claims;
    ctx->claims_len = claims_len;
    if (conf->cache_size > 0) {
        ngx_http_tessera_cache_add(conf, r->connection->log, digest, key, claims, claims_len);
    }
    return NGX_OK;
}

/* ---- variables ------------------------------------------------------------ */

/* A claim's value for a variable: a string (unescaped; not found if it holds
 * a control character, which must not reach a header) or a number as
 * written. Anything else is not found. The claim of exactly this name is
 * taken, else (nginx lower-cases variable names) the first that differs
 * only in ASCII case. strings_only ($tessera_jwt_sub): the exact name, a
 * string value. */
static ngx_int_t
ngx_http_tessera_claim_value(ngx_http_request_t *r, ngx_http_variable_value_t *v, ngx_str_t *name,
    ngx_uint_t strings_only)
{
    ngx_http_tessera_ctx_t  *ctx;
    u_char                  *value, *vend, *out;
    size_t                   n, k;

    v->not_found = 1;
    ctx = ngx_http_get_module_ctx(r->main, ngx_http_tessera_module);
    if (ctx == NULL || ctx->claims == NULL) {
        return NGX_OK;
    }
    if (tj_member(ctx->claims, ctx->claims_len, name, 0, &value, &vend) != NGX_OK
        && (strings_only || tj_member(ctx->claims, ctx->claims_len, name, 1, &value, &vend) != NGX_OK))
    {
        return NGX_OK;
    }
    if (value >= vend) {
        return NGX_OK;
    }
    if (*value == '"') {
        if (vend - value < 2 || vend[-1] != '"') {
            return NGX_OK;
        }
        out = ngx_pnalloc(r->pool, (size_t) (vend - value));
        if (out == NULL) {
            return NGX_ERROR;
        }
        n = tj_unescape(value + 1, (size_t) (vend - value - 2), out);
        for (k = 0; k < n; k++) {
            if (out[k] < 0x20 || out[k] == 0x7F) {
                return NGX_OK;
            }
        }
    } else if (!strings_only && (*value == '-' || (*value >= '0' && *value <= '9'))) {
        out = value;
        n = (size_t) (vend - value);
    } else {
        return NGX_OK;
    }
    v->data = out;
    v->len = n;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    return NGX_OK;
}

static ngx_int_t
ngx_http_tessera_variable_sub(ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  sub = ngx_string("sub");

    return ngx_http_tessera_claim_value(r, v, &sub, 1);
}

static ngx_int_t
ngx_http_tessera_variable_claim(ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *var = (ngx_str_t *) data;
    ngx_str_t   name;

    name.data = var->data + sizeof("tessera_jwt_claim_") - 1;
    name.len = var->len - (sizeof("tessera_jwt_claim_") - 1);
    return ngx_http_tessera_claim_value(r, v, &name, 0);
}

static ngx_int_t
ngx_http_tessera_variable_error(ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_tessera_ctx_t  *ctx = ngx_http_get_module_ctx(r->main, ngx_http_tessera_module);

    if (ctx == NULL || ctx->error == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }
    v->data = (u_char *) ctx->error;
    v->len = ngx_strlen(ctx->error);
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    return NGX_OK;
}

static ngx_int_t
ngx_http_tessera_add_variables(ngx_conf_t *cf)
{
    static struct {
        ngx_str_t                  name;
        ngx_http_get_variable_pt   get;
        ngx_uint_t                 flags;
    } vars[] = {
        { ngx_string("tessera_jwt_sub"), ngx_http_tessera_variable_sub, NGX_HTTP_VAR_NOCACHEABLE },
        { ngx_string("tessera_jwt_error"), ngx_http_tessera_variable_error, NGX_HTTP_VAR_NOCACHEABLE },
        { ngx_string("tessera_jwt_claim_"), ngx_http_tessera_variable_claim,
          NGX_HTTP_VAR_NOCACHEABLE | NGX_HTTP_VAR_PREFIX },
    };
    ngx_http_variable_t  *var;
    ngx_uint_t            i;

    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        var = ngx_http_add_variable(cf, &vars[i].name, vars[i].flags);
        if (var == NULL) {
            return NGX_ERROR;
        }
        var->get_handler = vars[i].get;
    }
    return NGX_OK;
}

/* ---- configuration ---------------------------------------------------------- */

static void *
ngx_http_tessera_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_tessera_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tessera_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }
    /* pcalloc: keys, algorithms, require, issuer, audience, policy unset */
    conf->enable = NGX_CONF_UNSET;
    conf->leeway = NGX_CONF_UNSET;
    conf->max_lifetime = NGX_CONF_UNSET;
    conf->cache_size = NGX_CONF_UNSET;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->algorithms = NGX_CONF_UNSET_PTR;
    conf->require = NGX_CONF_UNSET_PTR;
    return conf;
}

static void
ngx_http_tessera_free_keyset(void *data)
{
    tessera_keyset_free(data);
}

static void
ngx_http_tessera_free_conf(void *data)
{
    ngx_http_tessera_loc_conf_t  *conf = data;
    ngx_uint_t                    i;

    tessera_policy_free(conf->policy);
    for (i = 0; i < conf->npem_keys; i++) {
        tessera_key_free(conf->pem_keys[i]);
    }
}

static void
ngx_http_tessera_wipe(void *data)
{
    ngx_http_tessera_keys_t  *keys = data;

    if (keys->pem != NULL) {
        ngx_explicit_memzero(keys->pem, keys->pem_len);
    }
}

/* tessera_jwt_keys FILE: a JWKS, a single JWK, or a PEM document. JSON is
 * read here (a broken file fails `nginx -t` on this line); PEM needs the
 * location's algorithms and is read when the location is merged. */
static char *
ngx_http_tessera_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
    ngx_http_tessera_loc_conf_t  *conf = c;
    ngx_http_tessera_keys_t      *keys;
    ngx_str_t                    *value = cf->args->elts;
    ngx_pool_cleanup_t           *cln;
    ngx_file_t                    file;
    ngx_file_info_t               fi;
    u_char                       *text, *p, *wrapped;
    ssize_t                       n;
    size_t                        size;
    int                           rc, rc2;
    char                          detail[512];

    if (conf->keys != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }
    keys = ngx_pcalloc(cf->pool, sizeof(ngx_http_tessera_keys_t));
    if (keys == NULL) {
        return NGX_CONF_ERROR;
    }
    keys->path = value[1];
    if (ngx_conf_full_name(cf->cycle, &keys->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = keys->path;
    file.log = cf->log;
    file.fd = ngx_open_file(keys->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "tessera_jwt_keys \"%V\": cannot open", &keys->path);
        return NGX_CONF_ERROR;
    }
    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR || ngx_file_size(&fi) <= 0
        || ngx_file_size(&fi) > TJ_MAX_KEY_FILE)
    {
        ngx_close_file(file.fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_keys \"%V\": empty, unreadable or over 1 MiB",
                           &keys->path);
        return NGX_CONF_ERROR;
    }
    size = (size_t) ngx_file_size(&fi);
    text = ngx_pnalloc(cf->pool, size);
    if (text == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }
    n = ngx_read_file(&file, text, size, 0);
    ngx_close_file(file.fd);
    if (n != (ssize_t) size) {
        ngx_explicit_memzero(text, size);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_keys \"%V\": short read", &keys->path);
        return NGX_CONF_ERROR;
    }
    keys->pem = text;
    keys->pem_len = size;
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_explicit_memzero(text, size);
        return NGX_CONF_ERROR;
    }
    cln->handler = ngx_http_tessera_wipe;
    cln->data = keys;

    for (p = text; p < text + size && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'); p++) { /* void */ }
    if (p < text + size && *p == '{') {
        rc = tessera_keyset_new_jwks((const char *) text, size, &keys->set);
        if (rc != TESSERA_OK) {
            ngx_cpystrn((u_char *) detail, (u_char *) tessera_last_error(), sizeof detail);
            /* A single JWK: the same rules, as a set of one. */
            wrapped = ngx_pnalloc(cf->pool, size + sizeof("{\"keys\":[]}"));
            if (wrapped == NULL) {
                ngx_explicit_memzero(text, size);
                return NGX_CONF_ERROR;
            }
            p = ngx_cpymem(wrapped, "{\"keys\":[", sizeof("{\"keys\":[") - 1);
            p = ngx_cpymem(p, text, size);
            p = ngx_cpymem(p, "]}", 2);
            rc2 = tessera_keyset_new_jwks((const char *) wrapped, (size_t) (p - wrapped), &keys->set);
            if (rc2 != TESSERA_OK && rc2 != TESSERA_E_MALFORMED) {
                ngx_cpystrn((u_char *) detail, (u_char *) tessera_last_error(), sizeof detail);
            }
            ngx_explicit_memzero(wrapped, (size_t) (p - wrapped));
            if (rc2 != TESSERA_OK) {
                ngx_explicit_memzero(text, size);
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_keys \"%V\": not a usable JWKS or JWK: %s",
                                   &keys->path, detail);
                return NGX_CONF_ERROR;
            }
        }
        ngx_explicit_memzero(text, size);
        keys->pem = NULL;
        keys->pem_len = 0;
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            tessera_keyset_free(keys->set);
            return NGX_CONF_ERROR;
        }
        cln->handler = ngx_http_tessera_free_keyset;
        cln->data = keys->set;
    } else if (ngx_strlcasestrn(text, text + size, (u_char *) "-----BEGIN ", sizeof("-----BEGIN ") - 2) == NULL) {
        ngx_explicit_memzero(text, size);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_keys \"%V\": neither JSON (a JWKS or a JWK) nor PEM",
                           &keys->path);
        return NGX_CONF_ERROR;
    } else if (ngx_strlcasestrn(text, text + size, (u_char *) "PRIVATE KEY", sizeof("PRIVATE KEY") - 2) != NULL) {
        /* The PEM stays in memory until the locations are merged: only a
         * public key may. nginx verifies; it needs no private key. */
        ngx_explicit_memzero(text, size);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_keys \"%V\": a private key; give nginx the public key",
                           &keys->path);
        return NGX_CONF_ERROR;
    }
    conf->keys = keys;
    return NGX_CONF_OK;
}

static char *
ngx_http_tessera_algorithms(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
    ngx_http_tessera_loc_conf_t  *conf = c;
    ngx_str_t                    *value = cf->args->elts;
    tessera_alg                  *alg;
    ngx_uint_t                    i;

    if (conf->algorithms != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }
    conf->algorithms = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(tessera_alg));
    if (conf->algorithms == NULL) {
        return NGX_CONF_ERROR;
    }
    for (i = 1; i < cf->args->nelts; i++) {
        alg = ngx_array_push(conf->algorithms);
        if (alg == NULL) {
            return NGX_CONF_ERROR;
        }
        if (tessera_alg_from_name((const char *) value[i].data, alg) != TESSERA_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "tessera_jwt_algorithms: unknown algorithm \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }
    return NGX_CONF_OK;
}

static char *
ngx_http_tessera_require(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
    ngx_http_tessera_loc_conf_t  *conf = c;
    ngx_str_t                    *value = cf->args->elts, *name;
    ngx_uint_t                    i;

    if (conf->require == NGX_CONF_UNSET_PTR) {
        conf->require = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_str_t));
        if (conf->require == NULL) {
            return NGX_CONF_ERROR;
        }
    }
    for (i = 1; i < cf->args->nelts; i++) {
        name = ngx_array_push(conf->require);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }
        *name = value[i];   /* the parser NUL-terminates every argument */
    }
    return NGX_CONF_OK;
}

/* tessera_jwt_cache SIZE: the number of verified tokens each worker keeps
 * for this location (k and m multiply by 1024 and 1048576); 0 is off. */
static char *
ngx_http_tessera_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
    ngx_http_tessera_loc_conf_t  *conf = c;
    ngx_str_t                    *value = cf->args->elts;
    ssize_t                       size;

    if (conf->cache_size != NGX_CONF_UNSET) {
        return "is duplicate";
    }
    size = ngx_parse_size(&value[1]);
    if (size == NGX_ERROR) {
        return "takes a number of tokens (0 turns the cache off)";
    }
    conf->cache_size = size;
    return NGX_CONF_OK;
}

#define TJ_POLICY(call, what) \
    if ((call) != TESSERA_OK) { \
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s: %s", what, tessera_last_error()); \
        return NGX_CONF_ERROR; \
    }

static char *
ngx_http_tessera_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_tessera_loc_conf_t  *prev = parent, *conf = child;
    ngx_pool_cleanup_t           *cln;
    tessera_alg                  *algs;
    ngx_str_t                    *names;
    ngx_uint_t                    i;
    tessera_key                  *key;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->algorithms, prev->algorithms, NULL);
    ngx_conf_merge_str_value(conf->issuer, prev->issuer, "");
    ngx_conf_merge_str_value(conf->audience, prev->audience, "");
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_sec_value(conf->max_lifetime, prev->max_lifetime, 0);
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_value(conf->cache_size, prev->cache_size, 0);

    if (!conf->enable) {
        return NGX_CONF_OK;
    }
    if (conf->algorithms == NULL) {
        return "tessera_jwt is on without tessera_jwt_algorithms";
    }
    if (conf->keys == NULL) {
        return "tessera_jwt is on without tessera_jwt_keys";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL || tessera_policy_new(&conf->policy) != TESSERA_OK) {
        return NGX_CONF_ERROR;
    }
    cln->handler = ngx_http_tessera_free_conf;
    cln->data = conf;

    algs = conf->algorithms->elts;
    for (i = 0; i < conf->algorithms->nelts; i++) {
        TJ_POLICY(tessera_policy_allow_alg(conf->policy, algs[i]), "tessera_jwt_algorithms");
    }
    if (conf->issuer.len) {
        TJ_POLICY(tessera_policy_set_issuer(conf->policy, (const char *) conf->issuer.data), "tessera_jwt_issuer");
    }
    if (conf->audience.len) {
        TJ_POLICY(tessera_policy_set_audience(conf->policy, (const char *) conf->audience.data), "tessera_jwt_audience");
    }
    TJ_POLICY(tessera_policy_set_leeway(conf->policy, (uint32_t) ngx_min((uint64_t) conf->leeway, UINT32_MAX)),
              "tessera_jwt_leeway");
    if (conf->max_lifetime > 0) {
        TJ_POLICY(tessera_policy_set_max_lifetime(conf->policy,
                                                  (uint32_t) ngx_min((uint64_t) conf->max_lifetime, UINT32_MAX)),
                  "tessera_jwt_max_lifetime");
    }
    if (conf->require != NULL) {
        names = conf->require->elts;
        for (i = 0; i < conf->require->nelts; i++) {
            TJ_POLICY(tessera_policy_require_claim(conf->policy, (const char *) names[i].data), "tessera_jwt_require");
        }
    }

    if (conf->keys->set == NULL) {
        /* A PEM key: one Tessera key for each allowed algorithm it fits. */
        conf->pem_keys = ngx_pcalloc(cf->pool, conf->algorithms->nelts * sizeof(tessera_key *));
        if (conf->pem_keys == NULL) {
            return NGX_CONF_ERROR;
        }
        for (i = 0; i < conf->algorithms->nelts; i++) {
            if (tessera_key_new_pem(algs[i], (const char *) conf->keys->pem, conf->keys->pem_len, NULL, &key)
                == TESSERA_OK)
            {
                conf->pem_keys[conf->npem_keys++] = key;
            }
        }
        if (conf->npem_keys == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "tessera_jwt_keys \"%V\": the PEM key fits none of tessera_jwt_algorithms: %s",
                               &conf->keys->path, tessera_last_error());
            return NGX_CONF_ERROR;
        }
    }
    return NGX_CONF_OK;
}

static ngx_int_t
ngx_http_tessera_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }
    *h = ngx_http_tessera_handler;
    return NGX_OK;
}
