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
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

static inline int tessera_sha1_init(SHA_CTX *c) { return SHA1_Init(c); }
static inline int tessera_sha1_update(SHA_CTX *c, const void *p, size_t n) { return SHA1_Update(c, p, n); }
static inline int tessera_sha1_final(unsigned char *md, SHA_CTX *c) { return SHA1_Final(md, c); }

static inline int tessera_sha256_init(SHA256_CTX *c) { return SHA256_Init(c); }
static inline int tessera_sha256_update(SHA256_CTX *c, const void *p, size_t n) { return SHA256_Update(c, p, n); }
static inline int tessera_sha256_final(unsigned char *md, SHA256_CTX *c) { return SHA256_Final(md, c); }

static inline int tessera_sha384_init(SHA512_CTX *c) { return SHA384_Init(c); }
static inline int tessera_sha384_final(unsigned char *md, SHA512_CTX *c) { return SHA384_Final(md, c); }
static inline int tessera_sha512_init(SHA512_CTX *c) { return SHA512_Init(c); }
static inline int tessera_sha512_update(SHA512_CTX *c, const void *p, size_t n) { return SHA512_Update(c, p, n); }
static inline int tessera_sha512_final(unsigned char *md, SHA512_CTX *c) { return SHA512_Final(md, c); }

/* Macros Swift cannot import, as constants. */
static const int tessera_select_keypair = EVP_PKEY_KEYPAIR;
static const int tessera_select_public = EVP_PKEY_PUBLIC_KEY;
static const int tessera_pkey_rsa = EVP_PKEY_RSA;
static const int tessera_pkey_rsa_pss = EVP_PKEY_RSA_PSS;
static const int tessera_pkey_ec = EVP_PKEY_EC;
static const int tessera_pkey_ed25519 = EVP_PKEY_ED25519;

/* A passphrase callback that always refuses: Tessera never prompts. */
static inline int tessera_no_passphrase(char *buf, size_t size, size_t *len,
                                        const OSSL_PARAM params[], void *arg) {
  (void)buf; (void)size; (void)params; (void)arg;
  *len = 0;
  return 0;
}

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif
