/*
 * COpenSSL: what the Swift core needs from libcrypto.
 *
 * The precomputed-state HMAC needs SHA-2 contexts that can be copied by
 * value, which only OpenSSL's low-level SHA API offers. That API is
 * deprecated in OpenSSL 3; this header is the one place allowed to use it,
 * through the tessera_sha* wrappers below. Swift code calling SHA256_Update
 * directly gets a deprecation warning, which keeps the rule visible.
 */
#ifndef TESSERA_COPENSSL_SHIM_H
#define TESSERA_COPENSSL_SHIM_H

#include <stddef.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

static inline int tessera_sha256_init(SHA256_CTX *c) { return SHA256_Init(c); }
static inline int tessera_sha256_update(SHA256_CTX *c, const void *p, size_t n) { return SHA256_Update(c, p, n); }
static inline int tessera_sha256_final(unsigned char *md, SHA256_CTX *c) { return SHA256_Final(md, c); }

static inline int tessera_sha384_init(SHA512_CTX *c) { return SHA384_Init(c); }
static inline int tessera_sha384_final(unsigned char *md, SHA512_CTX *c) { return SHA384_Final(md, c); }
static inline int tessera_sha512_init(SHA512_CTX *c) { return SHA512_Init(c); }
static inline int tessera_sha512_update(SHA512_CTX *c, const void *p, size_t n) { return SHA512_Update(c, p, n); }
static inline int tessera_sha512_final(unsigned char *md, SHA512_CTX *c) { return SHA512_Final(md, c); }

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif
