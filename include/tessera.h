/*
 * tessera.h - Tessera: credentials and JSON Web Tokens for real-time
 * communication auth servers.
 *
 * This is the whole public interface. Link with `pkg-config --libs tessera`
 * (shared) or `pkg-config --static --libs tessera` (static archive).
 *
 * Conventions
 * -----------
 * - Every fallible function returns an int: TESSERA_OK (0) or a negative
 *   TESSERA_E_* code. tessera_strerror() turns a code into a sentence and
 *   tessera_last_error() gives the calling thread's detail for its last
 *   failure.
 * - Text is written into caller buffers as (char *out, size_t out_cap,
 *   size_t *out_len). On success the text is NUL-terminated and *out_len is
 *   its length without the NUL. If out_cap < length + 1 the function returns
 *   TESSERA_E_BUFFER_TOO_SMALL and sets *out_len to the length, so
 *   out = NULL, out_cap = 0 asks for the size. On any other failure *out_len
 *   is set to 0 and, when out_cap > 0, out[0] is set to NUL. out_len must
 *   not be NULL, except where a function says otherwise (the verify
 *   functions' claims_len and payload_len; a part tessera_jwt_peek skips).
 * - The library never hands the caller heap memory except from constructors
 *   (tessera_key_new_*, tessera_key_generate, tessera_keyset_new*,
 *   tessera_policy_new, tessera_signer_new), each paired with a _free
 *   function that accepts NULL.
 * - Lengths are size_t; a length above SIZE_MAX / 2 is refused as
 *   TESSERA_E_ARGUMENT.
 * - No function prints, reads environment variables, or aborts or traps on
 *   bad input: every problem comes back as a status. (The only files read
 *   are the process's cgroup CPU quota, once, by tessera_jwt_sign_batch.) (Running out of memory is
 *   the one exception; see Memory.)
 *
 * Thread safety
 * -------------
 * Tessera is thread-safe. Objects (tessera_key, tessera_keyset,
 * tessera_policy, tessera_signer) are immutable once built (a key set once
 * its keys are added, a policy once its setters have run): any number of
 * threads may use one object at the same time, without locks. Signing and
 * verifying one token at a time with HMAC keys (HS256/384/512) or signer
 * templates, credentials and TURN passwords write no memory that the
 * threads share (no reference counts, locks or caches), so throughput
 * scales with cores; tessera_jwt_sign_batch keeps a process-wide count of
 * the threads running batches.
 * RS/PS/ES/EdDSA operations run inside OpenSSL, which updates reference
 * counts in the shared key objects (atomically) on every operation: safe,
 * but those writes are shared. The only per-thread state is the detail
 * behind tessera_last_error(). A key must not be freed while another thread
 * still uses it: that is the caller's to arrange, as with free().
 *
 * Memory
 * ------
 * Constructors allocate the object they return. Signing and verifying one
 * token with an HMAC key or a signer template (tessera_jwt_sign_header
 * and the JWT platform profiles included), the SkyWay credential, TURN
 * passwords, Janus tokens and their verification, and tessera_jwt_peek
 * allocate no heap memory when they succeed
 * with inputs of ordinary size (JSON of a few hundred bytes is checked in
 * stack memory; a larger input uses a temporary block, freed before the call
 * returns); the detail of a refusal may allocate, and tessera_jwt_sign_batch
 * allocates its threads' bookkeeping. Agora tokens and UserSigs allocate
 * nothing either, once the calling thread has made its first (which
 * allocates the thread's zlib streams, about 300 KiB, freed when the thread
 * exits); their verifiers allocate on every call. RS/PS/ES/EdDSA operations
 * allocate inside OpenSSL on every call (Tests/C/test_alloc.c prints how
 * often). The memory for the library's objects and a few
 * internal buffers comes from the Swift runtime, which ends the process when
 * an allocation fails, as C++'s operator new does: Tessera cannot turn that
 * into a status. The library's own allocations (key states, decoded JWK
 * members, a signer template's buffers) are checked: their failure is
 * TESSERA_E_NOMEM. An allocation that fails inside OpenSSL comes back as a
 * status too: TESSERA_E_NOMEM or TESSERA_E_CRYPTO, or the status of the step
 * that failed (a key OpenSSL could not build is TESSERA_E_KEY).
 * Tests/C/test_nomem.c fails each of these allocations in turn, in the
 * constructors (HMAC; JWK of every key type; PEM; generation; JWKS;
 * templates), the asymmetric sign, verify, key-set and export paths it
 * lists, and a thread's first Agora token and UserSig (its zlib streams), and
 * sees a status every time.
 *
 * Secrets
 * -------
 * Secret material is never written to an error detail or an export, and is
 * wiped from memory when its key is freed. A JWK's secret members (d, p, q,
 * dp, dq, qi, k) are decoded from the caller's document straight into
 * memory that is wiped when freed: no copy, as base64url text or as bytes,
 * is left in memory the library frees (Tests/C/test_wipe.c searches every
 * freed block). One exception lies outside the library's reach: OpenSSL
 * 3.0's own PEM/DER decoders free copies of a private key unwiped.
 */
#ifndef TESSERA_H
#define TESSERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TESSERA_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define TESSERA_WARN_UNUSED_RESULT
#endif

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

/* The one place the version is written: the Makefile, tessera.pc, the
 * shared library's file name, the packages and `tessera --version` take it
 * from here (make test checks that these four macros agree). */
#define TESSERA_VERSION_MAJOR 0
#define TESSERA_VERSION_MINOR 2
#define TESSERA_VERSION_PATCH 0
#define TESSERA_VERSION_STRING "0.2.0"
/* 0xMMmmpp: major, minor, patch, one byte each. */
#define TESSERA_VERSION_NUM 0x000200

/* The library's version as "MAJOR.MINOR.PATCH"; a static string, never NULL.
 * Compare with TESSERA_VERSION_STRING to detect a header/library mismatch. */
const char *tessera_version_string(void);

/* The library's version as 0xMMmmpp (== TESSERA_VERSION_NUM of the header
 * it was built with). */
uint32_t tessera_version_number(void);

/* ------------------------------------------------------------------------
 * Status codes. Only ever appended, never renumbered.
 * ------------------------------------------------------------------------ */

#define TESSERA_OK                   0   /* success */
#define TESSERA_E_ARGUMENT          (-1) /* NULL pointer, bad length, unknown enum value, option out of range */
#define TESSERA_E_BUFFER_TOO_SMALL  (-2) /* output buffer too small; *out_len holds the needed length */
#define TESSERA_E_NOMEM             (-3) /* allocation failed */
#define TESSERA_E_KEY               (-4) /* key unusable: unparsable, wrong type for the algorithm, too short */
#define TESSERA_E_ALGORITHM         (-5) /* algorithm unknown, not allowed, or not the key's */
#define TESSERA_E_MALFORMED         (-6) /* token, JSON, base64url or UTF-8 structurally invalid; limits exceeded */
#define TESSERA_E_SIGNATURE         (-7) /* signature or MAC does not verify */
#define TESSERA_E_EXPIRED           (-8) /* exp reached, or credential timestamp + ttl reached */
#define TESSERA_E_NOT_YET_VALID     (-9) /* nbf in the future */
#define TESSERA_E_ISSUED_IN_FUTURE (-10) /* iat, or a credential's timestamp, in the future */
#define TESSERA_E_CLAIM            (-11) /* iss/aud/sub/typ mismatch; required claim missing or mistyped */
#define TESSERA_E_LIFETIME         (-12) /* exp - iat over the maximum; credential ttl outside [600, 90000] */
#define TESSERA_E_KEY_NOT_FOUND    (-13) /* no key in the keyset fits the token's kid and alg */
#define TESSERA_E_CRYPTO           (-14) /* unexpected failure inside OpenSSL */

/* A static English sentence describing `status`; never NULL. Unknown codes
 * get "unknown status code". */
const char *tessera_strerror(int status);

/* The calling thread's detail for its last failed Tessera call (which
 * argument or claim, what was expected, what OpenSSL said). Empty after a
 * call that succeeded. Valid until the same thread's next Tessera call;
 * never NULL; never contains secret material. */
const char *tessera_last_error(void);

/* The system clock (CLOCK_REALTIME) in Unix seconds. */
int64_t tessera_now(void);

/* ------------------------------------------------------------------------
 * Algorithms (JWS "alg" values)
 * ------------------------------------------------------------------------ */

typedef enum tessera_alg {
  TESSERA_HS256 = 1, TESSERA_HS384, TESSERA_HS512,
  TESSERA_RS256, TESSERA_RS384, TESSERA_RS512,
  TESSERA_PS256, TESSERA_PS384, TESSERA_PS512,
  TESSERA_ES256, TESSERA_ES384, TESSERA_ES512,
  TESSERA_EDDSA
} tessera_alg;

/* The JWS name of `alg` ("HS256" ... "EdDSA"), a static string; NULL if
 * `alg` is not a tessera_alg value. */
const char *tessera_alg_name(tessera_alg alg);

/* Looks up a JWS algorithm name, exactly and case-sensitively ("HS256",
 * never "hs256"; "none" is not an algorithm).
 * Returns TESSERA_OK and sets *out; TESSERA_E_ARGUMENT if name or out is
 * NULL; TESSERA_E_ALGORITHM if the name is unknown (*out is left alone). */
int tessera_alg_from_name(const char *name, tessera_alg *out);

/* ------------------------------------------------------------------------
 * Keys. Each key is bound to exactly one algorithm. Immutable once built.
 * ------------------------------------------------------------------------ */

typedef struct tessera_key tessera_key;

/* Makes an HMAC key (alg TESSERA_HS256, HS384 or HS512) from the raw bytes of
 * `secret`. The secret is keyed once: the key keeps the inner and outer hash
 * states, not the secret, and each token copies them.
 *
 * secret      the raw secret bytes; at least 32/48/64 bytes for
 *             HS256/384/512 (RFC 7518 §3.2). Copied; the caller may wipe it
 *             after the call.
 * kid         NULL, or a NUL-terminated UTF-8 key id (1-256 bytes) that is
 *             written into each token's header.
 * out         receives the new key; free it with tessera_key_free().
 *
 * Returns TESSERA_OK; TESSERA_E_ARGUMENT for NULL secret or out, an empty or
 * invalid kid; TESSERA_E_ALGORITHM if alg is not an HMAC algorithm;
 * TESSERA_E_KEY if the secret is too short, or is a PEM document or a JSON
 * (JWK/JWKS) key object: an asymmetric key used as an HMAC secret is the
 * algorithm-confusion attack; TESSERA_E_NOMEM. */
int tessera_key_new_hmac(tessera_alg alg, const void *secret, size_t secret_len,
                         const char *kid, tessera_key **out);

/* Pass as `alg` to tessera_key_new_jwk to take the algorithm from the JWK's
 * "alg" member. Not an algorithm. */
#define TESSERA_ALG_UNSPECIFIED ((tessera_alg)0)

/* Makes a key from a PEM document (or the same structures DER-encoded):
 * private keys as PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1
 * ("EC PRIVATE KEY"); public keys as SPKI ("PUBLIC KEY") or PKCS#1
 * ("RSA PUBLIC KEY"). A public key verifies only: signing with it is
 * TESSERA_E_KEY.
 *
 * alg         TESSERA_RS*, PS*, ES* or EDDSA; the key must fit it: RSA of
 *             2048-8192 bits for RS and PS; for ES256/384/512 an EC key on
 *             P-256/P-384/P-521 exactly; Ed25519 for EdDSA.
 * pem         the document's bytes (need not be NUL-terminated).
 * kid         NULL or a NUL-terminated UTF-8 key id (1-256 bytes).
 * out         receives the new key; free it with tessera_key_free().
 *
 * Returns TESSERA_OK; TESSERA_E_ARGUMENT for NULL pem or out, an unknown alg
 * or a bad kid; TESSERA_E_KEY for an HMAC alg, an encrypted PEM (Tessera
 * never asks for a passphrase), garbage or truncated input, or a key that
 * does not fit alg (with a detail naming what is wrong), or a private key
 * whose parts disagree (each private key read signs a test message and
 * verifies it with its public half: about 1 ms for RSA 2048);
 * TESSERA_E_NOMEM; TESSERA_E_CRYPTO. */
int tessera_key_new_pem(tessera_alg alg, const char *pem, size_t pem_len,
                        const char *kid, tessera_key **out);

/* Makes a key from a JWK (RFC 7517): kty "RSA", "EC", "OKP" (crv "Ed25519")
 * or "oct" (an HMAC secret in "k"). The key's kid is the JWK's "kid".
 *
 * alg         TESSERA_ALG_UNSPECIFIED (0) takes the algorithm from the JWK's
 *             "alg" (TESSERA_E_ARGUMENT if it has none); any other value must
 *             agree with the JWK's "alg" when present (TESSERA_E_ALGORITHM
 *             if not, or if the JWK's alg is not one Tessera knows).
 *
 * A JWK with "d" (or an oct key) can sign; without, it verifies only. "use"
 * other than "sig", or "key_ops" with neither "sign" nor "verify", is
 * TESSERA_E_KEY; "key_ops" without "sign" makes a verify-only key. EC
 * points are checked to lie on the curve and private parts to match the
 * public ones (every private key, RSA included, must verify its own test
 * signature). The same size and curve rules as tessera_key_new_pem apply;
 * oct secrets follow tessera_key_new_hmac's rules. Malformed JSON is
 * TESSERA_E_MALFORMED; anything else wrong with the key is TESSERA_E_KEY. */
int tessera_key_new_jwk(tessera_alg alg, const char *jwk, size_t jwk_len, tessera_key **out);

/* Generates a new key for `alg`: a random secret of the hash's length
 * (32/48/64 bytes) for HS*, RSA 2048 bits for RS* and PS*, the algorithm's
 * curve for ES*, Ed25519 for EdDSA. kid as in tessera_key_new_pem. */
int tessera_key_generate(tessera_alg alg, const char *kid, tessera_key **out);

/* The key's algorithm, or 0 if key is NULL. */
tessera_alg tessera_key_alg(const tessera_key *key);

/* Writes the key's public JWK:
 *   {"kty":..., <public members>, "kid":..., "alg":..., "use":"sig"}
 * never a private member. The kid is the key's own, or, for a key made
 * without one, its RFC 7638 thumbprint (so a published JWKS can always be
 * searched by kid; tokens from such a key still carry no kid).
 * An HMAC key has no public form: TESSERA_E_KEY. TESSERA_E_ARGUMENT for a
 * NULL key or out_len. */
int tessera_key_export_jwk(const tessera_key *key, char *out, size_t out_cap, size_t *out_len);

/* Writes the RFC 7638 JWK thumbprint of the key's public key: base64url of
 * SHA-256 over its required members (43 characters). HMAC keys have none
 * (TESSERA_E_KEY): it would fingerprint the secret. */
int tessera_key_thumbprint(const tessera_key *key, char *out, size_t out_cap, size_t *out_len);

/* Wipes the key's secret material and frees it. Accepts NULL. A key set
 * holding the key keeps it alive until the set is freed too. */
void tessera_key_free(tessera_key *key);

/* ------------------------------------------------------------------------
 * Key sets (JWKS), for verification and publication. A set holds its own
 * reference to each key. Add keys first, then share the set read-only:
 * tessera_keyset_add must not run while other threads use the set.
 * ------------------------------------------------------------------------ */

typedef struct tessera_keyset tessera_keyset;

/* Makes an empty key set. Free it with tessera_keyset_free(). */
int tessera_keyset_new(tessera_keyset **out);

/* Adds `key` to the set, which keeps its own reference: the caller may free
 * the key right after. At most 1024 keys (TESSERA_E_ARGUMENT beyond). */
int tessera_keyset_add(tessera_keyset *set, const tessera_key *key);

/* Reads a JWKS document {"keys":[...]} (at most 1 MiB and 1024 keys: beyond
 * either, TESSERA_E_MALFORMED). Each key is read as
 * by tessera_key_new_jwk, with one difference: a key without "alg" gets one
 * from its type (ES256/384/512 by curve, EdDSA for Ed25519, RS256 for RSA).
 * Keys that are not for signing ("use" other than "sig") or for algorithms
 * Tessera does not support (encryption algorithms, other curves, oct
 * without alg) are skipped; a usable key that is broken fails the whole set
 * (the detail names its index). A set left empty is TESSERA_E_KEY. */
int tessera_keyset_new_jwks(const char *jwks, size_t jwks_len, tessera_keyset **out);

/* The number of keys in the set (0 for NULL). */
size_t tessera_keyset_size(const tessera_keyset *set);

/* Writes {"keys":[...]} with each asymmetric key's public JWK, as
 * tessera_key_export_jwk writes it. HMAC keys are left out. */
int tessera_keyset_export_jwks(const tessera_keyset *set, char *out, size_t out_cap, size_t *out_len);

/* Removes every key whose kid is exactly `kid` (key rotation). Like
 * tessera_keyset_add, not while other threads use the set: to rotate keys in
 * a running server, build a new set and swap your pointer to it.
 * TESSERA_E_KEY_NOT_FOUND if no key has that kid. */
int tessera_keyset_remove(tessera_keyset *set, const char *kid);

/* Frees the set and its references to its keys. Accepts NULL. */
void tessera_keyset_free(tessera_keyset *set);

/* ------------------------------------------------------------------------
 * Signing
 * ------------------------------------------------------------------------ */

/* Tokens longer than this are refused, by signers and verifiers alike. */
#define TESSERA_TOKEN_MAX 65536
/* JSON nested deeper than this is refused. */
#define TESSERA_JSON_DEPTH_MAX 64

/* Each size macro has a function twin returning the same value, for
 * bindings that cannot read macros (as libsodium's crypto_*_bytes()). */
size_t tessera_token_max(void);        /* TESSERA_TOKEN_MAX */
size_t tessera_json_depth_max(void);   /* TESSERA_JSON_DEPTH_MAX */

/* Signs `claims` as a compact JWS (a JWT):
 *   base64url(header) "." base64url(claims) "." base64url(signature)
 * with no padding, where the header is exactly {"alg":"HS256","typ":"JWT"}
 * or {"alg":"HS256","typ":"JWT","kid":"<kid>"} (with the key's alg name).
 * The claims are the caller's bytes unchanged, after checking that they are
 * one strict RFC 8259 JSON object in UTF-8 (no trailing bytes, no control
 * characters in strings, no lone surrogate escapes, no duplicate member
 * names, depth <= TESSERA_JSON_DEPTH_MAX).
 *
 * The token goes straight into `out`; with an HMAC key nothing is allocated
 * (see Memory).
 *
 * Every algorithm signs: HS256/384/512; RS256/384/512 (RSASSA-PKCS1-v1_5);
 * PS256/384/512 (RSASSA-PSS, MGF1 with the same hash, salt length = hash
 * length); ES256/384/512 (ECDSA, the signature as raw r||s of 64, 96 or 132
 * bytes); EdDSA (Ed25519). HMAC, RSA PKCS#1 v1.5 and EdDSA tokens are
 * deterministic; PSS and ECDSA ones are randomised.
 *
 * Returns TESSERA_OK; TESSERA_E_ARGUMENT for NULL key, claims or out_len, or
 * out == NULL with out_cap > 0; TESSERA_E_MALFORMED for claims that are not
 * such an object, or a token that would exceed TESSERA_TOKEN_MAX;
 * TESSERA_E_KEY for a key that cannot sign (a public key, or a JWK whose
 * key_ops exclude "sign"); TESSERA_E_BUFFER_TOO_SMALL; TESSERA_E_CRYPTO. */
int tessera_jwt_sign(const tessera_key *key, const char *claims, size_t claims_len,
                     char *out, size_t out_cap, size_t *out_len);

#define TESSERA_ISSUE_NBF 1u   /* also add "nbf":now */
#define TESSERA_ISSUE_JTI 2u   /* also add "jti":"<random UUID v4>" */

/* Like tessera_jwt_sign, after appending "iat":now,"exp":now+ttl to the
 * caller's object, then "nbf":now with TESSERA_ISSUE_NBF and "jti":"<UUID>"
 * (a random version 4 UUID from OpenSSL's RNG, lowercase) with
 * TESSERA_ISSUE_JTI. Use tessera_now() for `now`.
 *
 * Returns as tessera_jwt_sign, and TESSERA_E_ARGUMENT when the claims
 * already name a member it would add, when now < 0, ttl == 0, now + ttl
 * overflows, or flags has unknown bits. With TESSERA_ISSUE_JTI the size
 * query is exact (a UUID always has 36 characters). */
int tessera_jwt_issue(const tessera_key *key, const char *claims, size_t claims_len,
                      int64_t now, uint32_t ttl, unsigned flags,
                      char *out, size_t out_cap, size_t *out_len);

/* Like tessera_jwt_sign, with extra protected-header members: `header` is
 * one JSON object (the same strict rules as claims) whose members follow
 * alg, typ and kid in the caller's order, each copied as written. A member
 * named "typ" (a string) replaces the default "JWT" in place; members named
 * alg, kid, crit, b64, jwk, jku, x5u, x5c or x5t (also when spelled with
 * escapes) are TESSERA_E_ARGUMENT: the algorithm and key id come from the
 * key, and Tessera writes no header a verifier must understand or fetch.
 * header NULL with header_len 0 is plain tessera_jwt_sign. Twilio's
 *   {"cty":"twilio-fpa;v=1"}
 * goes through here. Returns as tessera_jwt_sign; a header that is not such
 * an object is TESSERA_E_MALFORMED. */
int tessera_jwt_sign_header(const tessera_key *key, const char *header, size_t header_len,
                            const char *claims, size_t claims_len,
                            char *out, size_t out_cap, size_t *out_len);

/* ------------------------------------------------------------------------
 * Signer templates: the constant part of a token prepared once
 * ------------------------------------------------------------------------ */

typedef struct tessera_signer tessera_signer;

/* Makes a signer template from a key, constant claims and issue options. A
 * token from tessera_signer_sign(t, extra, now) is exactly the token
 * tessera_jwt_issue(key, merged, now, ttl, flags) would make, where `merged`
 * is the constant claims' members followed by those of `extra` (the jti
 * aside, which is random): header, then payload, then signature.
 *
 * The template checks the constant claims once, encodes the protected header
 * and the constant claims ahead of time and, for HS256/384/512 keys, saves
 * the HMAC's inner hash state after every whole block of that constant
 * prefix, so a token costs only its dynamic part. Immutable once made: any
 * number of threads may sign with one template. It keeps its own reference
 * to the key (the caller may free the key) and wipes the saved state when
 * freed.
 *
 * claims      a JSON object of the claims every token carries (may be "{}");
 *             it must not name what the template adds (iat, exp, and nbf/jti
 *             with their flags): TESSERA_E_ARGUMENT.
 * ttl, flags  as tessera_jwt_issue.
 *
 * Returns TESSERA_OK; TESSERA_E_ARGUMENT, TESSERA_E_MALFORMED,
 * TESSERA_E_KEY (a key that cannot sign), TESSERA_E_NOMEM, TESSERA_E_CRYPTO. */
int tessera_signer_new(const tessera_key *key, const char *claims, size_t claims_len,
                       uint32_t ttl, unsigned flags, tessera_signer **out);

/* Signs one token at `now` (Unix seconds, >= 0) into `out`.
 *
 * claims      NULL (with claims_len 0) for none, or a JSON object of claims
 *             for this token only (a user id, a peer id ...): it must not
 *             repeat a constant claim (TESSERA_E_MALFORMED) nor name what the
 *             template adds (TESSERA_E_ARGUMENT).
 *
 * With an HMAC key nothing is allocated (see Memory). Returns as
 * tessera_jwt_issue. */
int tessera_signer_sign(const tessera_signer *signer, const char *claims, size_t claims_len,
                        int64_t now, char *out, size_t out_cap, size_t *out_len);

/* Frees the template (and its reference to the key). Accepts NULL. */
void tessera_signer_free(tessera_signer *signer);

/* Signs `count` claim sets with one key in one call, each once, spread
 * across the CPUs when there are enough items (512 or more: ranges of at
 * least 256 items; the calling thread takes one range, short-lived threads
 * the others; smaller batches run on the calling thread alone).
 *
 * Threads: no more than the CPUs the process may use (its CPU affinity,
 * capped by its cgroup's CPU quota, read once per process). Process-wide, a
 * batch starts threads only while the threads running batches, the
 * callers' own included, are fewer than those CPUs: a batch that finds
 * them busy runs on its calling thread alone. With one usable CPU no thread
 * is started.
 *
 * Item i: claims[i] (claims_lens[i] bytes) is signed as by tessera_jwt_sign
 * into out + i * out_stride (out_stride bytes of room), out_lens[i] gets its
 * length (or, with TESSERA_E_BUFFER_TOO_SMALL, the length it needs) and
 * statuses[i] its status. The caller owns every array.
 *
 * Returns TESSERA_OK when every item was signed; otherwise the status of
 * the lowest failing index, whose detail tessera_last_error() gives as
 * "claims[i]: ...". TESSERA_E_ARGUMENT for a NULL key or array, out_stride 0,
 * or count * out_stride overflowing; count 0 does nothing. */
int tessera_jwt_sign_batch(const tessera_key *key, size_t count,
                           const char *const *claims, const size_t *claims_lens,
                           char *out, size_t out_stride, size_t *out_lens, int *statuses);

/* ------------------------------------------------------------------------
 * Verification
 *
 * A policy says what a verifier accepts. Configure it, then share it
 * read-only: any number of threads may verify with one policy at once, but
 * no setter may run while it is in use. Passing NULL as the policy to a
 * verify function means the defaults: the key's own algorithm only, "exp"
 * required, no issuer, subject, audience or type expected, no leeway, no
 * maximum lifetime, the system clock.
 *
 * Tokens are checked in this order, and the first failure is returned:
 * 1. Shape (TESSERA_E_MALFORMED): at most TESSERA_TOKEN_MAX bytes; exactly
 *    three segments (a five-part JWE is refused); each strict base64url (no
 *    padding, '+', '/' or whitespace; unused bits zero); header (and for a
 *    JWT the payload) one strict JSON object: UTF-8, no duplicate members,
 *    no lone surrogates, depth <= 64, numbers of at most 100 characters.
 * 2. Header: "alg" a string (TESSERA_E_MALFORMED) naming an algorithm the
 *    policy allows (default: the key's own) and equal to the key's,
 *    compared exactly; "none" in any case is never accepted
 *    (TESSERA_E_ALGORITHM). "crit" in any form, and "b64" other than true,
 *    are refused (TESSERA_E_MALFORMED): no extension is understood. "jwk",
 *    "jku", "x5u" and "x5c" never select or supply a key; "kid" is only a
 *    lookup label in a key set (TESSERA_E_KEY_NOT_FOUND).
 * 3. Signature (TESSERA_E_SIGNATURE): exact length (HMAC tag of the hash's
 *    size, RSA of the modulus's, ECDSA raw r||s of 64/96/132 bytes, Ed25519
 *    64); MACs compared in constant time; PSS salt length = hash length. A
 *    token that is both expired and badly signed reports the signature.
 * 4. Claims (JWT only), with the policy's leeway L and time now:
 *    "exp" must be present (TESSERA_E_CLAIM; unless the policy says
 *    tessera_policy_set_require_exp(p, 0)), a NumericDate, and
 *    now < exp + L (TESSERA_E_EXPIRED); "nbf" <= now + L (TESSERA_E_NOT_YET_VALID);
 *    "iat" <= now + L (TESSERA_E_ISSUED_IN_FUTURE); with a maximum
 *    lifetime, iat and exp are required and exp - iat <= the maximum
 *    (TESSERA_E_LIFETIME); then TESSERA_E_CLAIM for: "iss"/"sub" not
 *    strings, or not exactly the policy's; "aud" not a string or a
 *    non-empty array of strings, missing or not containing the policy's
 *    audience, or present when the policy names none (RFC 7519 §4.1.3);
 *    the header's "typ" not the policy's type (compared as a media type:
 *    ASCII case-insensitive, "application/" optional); a required claim
 *    absent. A NumericDate is a JSON number (not a string) in
 *    [0, 253402300799]; fractions count up to the next whole second;
 *    anything else (1e400, 2^63, -1) is TESSERA_E_CLAIM, never a trap.
 *
 * tessera_last_error() names the failed check, the claim and what was
 * expected, without echoing token content.
 * ------------------------------------------------------------------------ */

typedef struct tessera_policy tessera_policy;

/* Makes a policy with the defaults above. Free it with tessera_policy_free(). */
int tessera_policy_new(tessera_policy **out);

/* Adds `alg` to the allowed algorithms. Once any is allowed, only allowed
 * ones are accepted (and the key's algorithm must still match the token's).
 * TESSERA_E_ARGUMENT for an unknown alg. */
int tessera_policy_allow_alg(tessera_policy *p, tessera_alg alg);

/* Expect exactly this "iss" / "aud" member / "sub" / header "typ"
 * (NUL-terminated UTF-8, 1-1024 bytes; a later call replaces the value).
 * TESSERA_E_ARGUMENT for NULL, empty, too long or invalid UTF-8. */
int tessera_policy_set_issuer(tessera_policy *p, const char *iss);
int tessera_policy_set_audience(tessera_policy *p, const char *aud);
int tessera_policy_set_subject(tessera_policy *p, const char *sub);
int tessera_policy_set_type(tessera_policy *p, const char *typ);

/* Clock skew tolerated for exp, nbf and iat: 0 (the default) to 86400 s;
 * more is TESSERA_E_ARGUMENT. */
int tessera_policy_set_leeway(tessera_policy *p, uint32_t seconds);

/* Largest exp - iat accepted, in seconds (1 or more). Tokens then need both
 * iat and exp. */
int tessera_policy_set_max_lifetime(tessera_policy *p, uint32_t seconds);

/* Requires a top-level claim of this name to be present (any type). At most
 * 32 names; the same name twice counts once. */
int tessera_policy_require_claim(tessera_policy *p, const char *name);

/* Whether tokens must carry "exp": required (non-zero) by default, since a
 * token without exp never expires; 0 accepts tokens without exp (RFC 7519
 * makes exp optional), which a server of short-lived credentials should
 * rarely want. TESSERA_E_ARGUMENT for a NULL policy. */
int tessera_policy_set_require_exp(tessera_policy *p, int required);

/* Verifies against this fixed time (Unix seconds, 0 to 253402300799, the end
 * of the year 9999; anything else is TESSERA_E_ARGUMENT) instead of the
 * system clock: for tests and for replaying logs. */
int tessera_policy_set_time(tessera_policy *p, int64_t now);

/* Frees the policy. Accepts NULL. */
void tessera_policy_free(tessera_policy *p);

/* Verifies a compact JWT with one key, through steps 1-4 above.
 *
 * policy      NULL for the defaults.
 * claims_out  receives the decoded claims JSON, NUL-terminated; may be NULL
 *             with claims_cap 0 when only the verdict is wanted.
 * claims_len  receives the claims' length (or the needed length with
 *             TESSERA_E_BUFFER_TOO_SMALL); may be NULL.
 *
 * Returns TESSERA_OK when the token is valid; TESSERA_E_BUFFER_TOO_SMALL only
 * after every check passed (the token is valid; the claims did not fit);
 * the step's status otherwise (then claims_out, if any, holds ""). */
TESSERA_WARN_UNUSED_RESULT
int tessera_jwt_verify(const tessera_key *key, const char *token, size_t token_len,
                       const tessera_policy *policy,
                       char *claims_out, size_t claims_cap, size_t *claims_len);

/* As tessera_jwt_verify, with the key picked from a set: by "kid" when the
 * token has one (exact bytes; no key with it, or none of the token's alg,
 * is TESSERA_E_KEY_NOT_FOUND), otherwise among the set's keys of the
 * token's algorithm (none is TESSERA_E_KEY_NOT_FOUND; the token is accepted
 * if one of them verifies it). At most 8 keys are tried for one token, in
 * the order they were added: a token that none of them verifies is
 * TESSERA_E_SIGNATURE, so one token costs at most 8 verifications. Give
 * each key its own kid and issue tokens with it. */
TESSERA_WARN_UNUSED_RESULT
int tessera_jwt_verify_keyset(const tessera_keyset *keys, const char *token, size_t token_len,
                              const tessera_policy *policy,
                              char *claims_out, size_t claims_cap, size_t *claims_len);

/* An unverified look at a token: step 1 above and nothing more (the size,
 * three strict base64url segments, header and claims each one strict UTF-8
 * JSON object with no duplicate members), so that a server can read "kid"
 * or "iss" to choose a key, or a tool can display a token. NOTHING it
 * returns is trusted: no signature, algorithm or claim is checked. Verify
 * the token before acting on its content.
 *
 * The decoded header and claims JSON are written, byte for byte as the
 * token carries them, to (header_out, header_cap, header_len) and
 * (claims_out, claims_cap, claims_len), each under the usual output
 * contract. Either part may be skipped by passing NULL, 0, NULL for its
 * three arguments. When a part does not fit, TESSERA_E_BUFFER_TOO_SMALL is
 * returned, neither part is written (each buffer holds "", as after any
 * failure) and each requested part's length is set, so NULL, 0, &len for
 * both asks for both sizes in one call.
 *
 * Returns TESSERA_OK; TESSERA_E_MALFORMED for every token that verification
 * refuses in step 1 (the status and detail are verification's own);
 * TESSERA_E_ARGUMENT for a NULL token, a NULL len of a part that is not
 * skipped, or out == NULL with cap > 0; TESSERA_E_BUFFER_TOO_SMALL. */
int tessera_jwt_peek(const char *token, size_t token_len,
                     char *header_out, size_t header_cap, size_t *header_len,
                     char *claims_out, size_t claims_cap, size_t *claims_len);

/* A JWS whose payload need not be JSON: steps 1-3 only; the policy is used
 * for its algorithm allow-list alone. The payload's raw bytes (which may
 * hold NULs; trust payload_len) are written to payload_out. */
TESSERA_WARN_UNUSED_RESULT
int tessera_jws_verify(const tessera_key *key, const char *jws, size_t jws_len,
                       const tessera_policy *policy,
                       char *payload_out, size_t payload_cap, size_t *payload_len);

/* ------------------------------------------------------------------------
 * SkyWay-style HMAC credential
 *
 *   authToken = base64(HMAC-SHA256(secret, "<timestamp>:<ttl>:<peerId>"))
 *
 * with the secret's raw bytes as key, decimal numbers, and the standard
 * base64 alphabet with '=' padding: always TESSERA_CREDENTIAL_TOKEN_LEN (44)
 * characters. The peer id must be UTF-8 (at most 65536 bytes) and the
 * timestamp (Unix seconds) must be >= 0.
 *
 * All three functions check, in this order: NULL or empty secret or peer id
 * (TESSERA_E_ARGUMENT), ttl outside [TESSERA_CREDENTIAL_TTL_MIN,
 * TESSERA_CREDENTIAL_TTL_MAX] (TESSERA_E_LIFETIME), then the other
 * arguments (TESSERA_E_ARGUMENT; invalid UTF-8 in the peer id is
 * TESSERA_E_MALFORMED).
 * ------------------------------------------------------------------------ */

#define TESSERA_CREDENTIAL_TTL_MIN 600
#define TESSERA_CREDENTIAL_TTL_MAX 90000
#define TESSERA_CREDENTIAL_TOKEN_LEN 44

uint32_t tessera_credential_ttl_min(void);   /* TESSERA_CREDENTIAL_TTL_MIN */
uint32_t tessera_credential_ttl_max(void);   /* TESSERA_CREDENTIAL_TTL_MAX */
size_t   tessera_credential_token_len(void); /* TESSERA_CREDENTIAL_TOKEN_LEN */

/* Writes the authToken (44 characters and a NUL: out_cap >= 45). */
int tessera_credential_sign(const void *secret, size_t secret_len,
                            const char *peer_id, size_t peer_id_len,
                            int64_t timestamp, uint32_t ttl,
                            char *out, size_t out_cap, size_t *out_len);

/* Writes the credential object a SkyWay client passes to new Peer():
 *   {"peerId":"...","timestamp":N,"ttl":N,"authToken":"..."}
 * in that member order, with the peer id JSON-escaped. */
int tessera_credential_json(const void *secret, size_t secret_len,
                            const char *peer_id, size_t peer_id_len,
                            int64_t timestamp, uint32_t ttl,
                            char *out, size_t out_cap, size_t *out_len);

/* Checks a credential presented by a peer. After the argument checks above:
 * the MAC, compared in constant time (TESSERA_E_SIGNATURE, also for a token
 * of the wrong length); then timestamp <= now (TESSERA_E_ISSUED_IN_FUTURE);
 * then now < timestamp + ttl (TESSERA_E_EXPIRED). TESSERA_OK when all hold.
 * auth_token must not be NULL (TESSERA_E_ARGUMENT). */
TESSERA_WARN_UNUSED_RESULT
int tessera_credential_verify(const void *secret, size_t secret_len,
                              const char *peer_id, size_t peer_id_len,
                              int64_t timestamp, uint32_t ttl,
                              const char *auth_token, size_t auth_token_len, int64_t now);

/* ------------------------------------------------------------------------
 * TURN REST API credentials (coturn's use-auth-secret,
 * draft-uberti-behave-turn-rest-00)
 *
 * A TURN server configured with a static auth secret accepts the username
 * "<expiry>:<user>" (expiry in Unix seconds) with the password
 *   base64(HMAC-SHA1(secret, username))
 * until the expiry passes. Build the username with the expiry you choose
 * (for example tessera_now() + ttl), then:
 * ------------------------------------------------------------------------ */

#define TESSERA_TURN_PASSWORD_LEN 28
size_t tessera_turn_password_len(void);   /* TESSERA_TURN_PASSWORD_LEN */

/* Writes the password for `username` (1-512 bytes, used as is): 28
 * characters of standard base64 and a NUL. TESSERA_E_ARGUMENT for a NULL or
 * empty secret or username, or a username over 512 bytes. */
int tessera_turn_password(const void *secret, size_t secret_len,
                          const char *username, size_t username_len,
                          char *out, size_t out_cap, size_t *out_len);

/* ------------------------------------------------------------------------
 * Agora AccessToken2 (RtcTokenBuilder2, RtmTokenBuilder2)
 *
 *   "007" base64(zlib(pack(signature) signing_info))
 *
 * where signing_info packs the app id, issued_at, token_expire, salt and
 * the services (little-endian integers, strings with a 16-bit length), the
 * signing key is HMAC-SHA256(salt, HMAC-SHA256(issued_at, certificate))
 * and the signature HMAC-SHA256(signing key, signing_info). Compressed at
 * zlib's default level, the tokens are byte-identical to Agora's own
 * builders for the same inputs (Tests/Vectors/agora_accesstoken2.txt holds
 * Agora's published vectors) when the zlib linked is the classic one that
 * Agora's Python, C++ and Java builders use (Debian's zlib1g); another
 * deflate (zlib-ng, Go's compress/zlib) makes different bytes that verify
 * all the same.
 *
 * app_id and app_certificate: 32 hex characters each (else
 * TESSERA_E_ARGUMENT). account: the user account, or a numeric uid as its
 * decimal digits; "" is uid 0 (any user). role: TESSERA_AGORA_ROLE_PUBLISHER
 * (join + publish audio, video, data) or TESSERA_AGORA_ROLE_SUBSCRIBER (join
 * only); each privilege expires privilege_expire seconds after issue (0:
 * with the token). token_expire: seconds after issued_at. issued_at: Unix
 * seconds in [0, 2^32); salt: 0 picks a random salt in [1, 99999999].
 * channel, account and user_id are NUL-terminated UTF-8, packed as given
 * (Agora's builders do not restrict their characters; each is at most
 * 65,535 bytes: longer is TESSERA_E_ARGUMENT, as are NULLs and invalid
 * UTF-8). An empty channel or user_id is TESSERA_E_ARGUMENT.
 *
 * salt 0 draws a new salt, and so a new signature, on every call, and the
 * compressed length varies by a few bytes with it: a buffer too small then
 * gets in *out_len the most such a token can take, so a size query followed
 * by a buffer of that size always succeeds; on success *out_len is exact.
 *
 * Once a thread has made one token, making more allocates nothing: the
 * zlib stream is kept per thread and freed when the thread exits.
 * ------------------------------------------------------------------------ */

#define TESSERA_AGORA_ROLE_PUBLISHER  1
#define TESSERA_AGORA_ROLE_SUBSCRIBER 2

int tessera_agora_rtc_token(const char *app_id, const char *app_certificate,
                            const char *channel, const char *account, int role,
                            uint32_t token_expire, uint32_t privilege_expire,
                            int64_t issued_at, uint32_t salt,
                            char *out, size_t out_cap, size_t *out_len);
int tessera_agora_rtm_token(const char *app_id, const char *app_certificate,
                            const char *user_id, uint32_t expire,
                            int64_t issued_at, uint32_t salt,
                            char *out, size_t out_cap, size_t *out_len);

/* Checks an AccessToken2 against the certificate: TESSERA_E_MALFORMED (not
 * a 007 token, bad base64 or zlib, a token over TESSERA_AGORA_TOKEN_MAX
 * bytes or inflating to more, packing that does not parse, a service type
 * Agora's builders do not define, bytes after the last service, a string
 * that is not UTF-8), TESSERA_E_SIGNATURE (compared in constant time),
 * TESSERA_E_EXPIRED (now >= issued_at + expire), in that order. Privileges'
 * own expiries are reported, not checked. On success writes to json_out a
 * JSON object describing the token:
 *   {"appId":"…","issuedAt":N,"expire":N,"salt":N,"services":[
 *     {"type":1,"name":"rtc","channel":"…","account":"…",
 *      "privileges":{"joinChannel":N,"publishAudioStream":N,…}},
 *     {"type":2,"name":"rtm","userId":"…","privileges":{"login":N}}]}
 * (streaming, fpa, chat, fcdn, apaas and rtm2 services likewise, with their
 * own strings). json_out may be NULL with json_cap 0: the token is then only
 * checked, TESSERA_OK means it verified, and *json_len, when json_len is not
 * NULL, receives the description's length (unlike the output contract's
 * size query, which would be TESSERA_E_BUFFER_TOO_SMALL). app_certificate:
 * 32 hex characters (else TESSERA_E_ARGUMENT). */
#define TESSERA_AGORA_TOKEN_MAX 262144
TESSERA_WARN_UNUSED_RESULT
int tessera_agora_token_verify(const char *app_certificate, const char *token, size_t token_len,
                               int64_t now, char *json_out, size_t json_cap, size_t *json_len);

/* ------------------------------------------------------------------------
 * Tencent Cloud TRTC / IM UserSig (version 2.0)
 *
 * TLS.sig = base64(HMAC-SHA256(key, "TLS.identifier:<id>\nTLS.sdkappid:<n>\n
 * TLS.time:<now>\nTLS.expire:<expire>\n")), the JSON object
 *   {"TLS.ver": "2.0", "TLS.identifier": "<id>", "TLS.sdkappid": n,
 *    "TLS.expire": expire, "TLS.time": now, "TLS.sig": "<sig>"}
 * (formatted as Tencent's Python builder writes it, so for the same inputs
 * the UserSig is the same, with the classic zlib that Python links) zlib-compressed, then base64 with '+' '/' '='
 * written as '*' '-' '_'. key: the secret key's bytes as given (the console
 * shows it as text; it is not hex-decoded), any non-empty length.
 * sdk_app_id: 1 to INT64_MAX. user_id: NUL-terminated UTF-8, 1-1024
 * bytes, no control characters. expire: seconds, not 0. now: >= 0.
 * Otherwise TESSERA_E_ARGUMENT.
 * ------------------------------------------------------------------------ */

int tessera_trtc_usersig(uint64_t sdk_app_id, const void *key, size_t key_len,
                         const char *user_id, uint32_t expire, int64_t now,
                         char *out, size_t out_cap, size_t *out_len);

/* TESSERA_E_MALFORMED (not base64, zlib or the JSON above; over
 * TESSERA_TOKEN_MAX, or inflating to more), TESSERA_E_CLAIM (another
 * sdkappid or identifier), TESSERA_E_SIGNATURE (constant time),
 * TESSERA_E_EXPIRED (now >= time + expire), in that order. A UserSig with
 * TLS.userbuf is checked with the userbuf in the MAC, as Tencent's own
 * verifier does. */
TESSERA_WARN_UNUSED_RESULT
int tessera_trtc_usersig_verify(uint64_t sdk_app_id, const void *key, size_t key_len,
                                const char *user_id, const char *usersig, size_t usersig_len,
                                int64_t now);

/* ------------------------------------------------------------------------
 * Janus signed tokens (janus.jcfg: token_auth = true, token_auth_secret)
 *
 *   "<expiry>,janus[,<plugin>...]:" base64(HMAC-SHA1(secret, the text
 *   before the colon)), standard base64 with padding.
 *
 * The secret is any non-empty byte string, as Janus's token_auth_secret is
 * (no minimum length: interop with existing deployments). expiry: Unix
 * seconds, >= 0. plugins: plugin_count package names such as
 * "janus.plugin.videoroom" (plugins may be NULL when plugin_count is 0);
 * a name that is empty or holds ',', ':' or a control character is
 * TESSERA_E_ARGUMENT. Tokens are at most TESSERA_TOKEN_MAX bytes.
 * ------------------------------------------------------------------------ */

int tessera_janus_token(const void *secret, size_t secret_len, int64_t expiry,
                        const char *const *plugins, size_t plugin_count,
                        char *out, size_t out_cap, size_t *out_len);

/* Checks the structure (TESSERA_E_MALFORMED: over TESSERA_TOKEN_MAX bytes,
 * no colon, an expiry that is not 1-19 digits, a second field other than
 * "janus", an empty plugin field), the MAC (constant time, TESSERA_E_SIGNATURE), then now <= expiry
 * (Janus's own rule: valid through its expiry second; TESSERA_E_EXPIRED),
 * then, when plugin is not NULL, that the token names it (TESSERA_E_CLAIM).
 * A NULL or empty secret, a NULL token, and a plugin that is empty or holds
 * ',', ':' or a control character are TESSERA_E_ARGUMENT. */
TESSERA_WARN_UNUSED_RESULT
int tessera_janus_token_verify(const void *secret, size_t secret_len,
                               const char *token, size_t token_len,
                               const char *plugin, int64_t now);

/* ------------------------------------------------------------------------
 * JWT platform profiles
 *
 * The platforms that authenticate clients with a JWT each document their
 * own claims. tessera_platform_token() builds a platform's claims from
 * "name=value" parameters, in the member order of the vendor's own server
 * SDK and with strings escaped as its Python SDK escapes them (non-ASCII as
 * \uXXXX), then signs them with `key` as tessera_jwt_sign_header() does.
 * `now` is the issue time (tessera_now()); `ttl` the lifetime in seconds,
 * 0 for the platform's default. Each platform, its key and its parameters
 * ([opt] optional; bool is true or false; list is comma-separated):
 *
 *   "livekit"  HS256, the API secret. api_key, identity, [opt] name, kind,
 *              metadata, and the video grant: room, destinationRoom
 *              (strings), roomJoin, roomCreate, roomList, roomRecord,
 *              roomAdmin, canPublish, canSubscribe, canPublishData,
 *              canUpdateOwnMetadata, ingressAdmin, hidden, recorder, agent
 *              (bool), canPublishSources (list). Claims: [name, kind,
 *              metadata, video,] sub, iss, nbf, exp; once any grant is given,
 *              video holds canPublish, canSubscribe and canPublishData (true
 *              unless given), as livekit-api writes it; an empty room is left
 *              out, and roomJoin=true without a room is TESSERA_E_ARGUMENT.
 *              Default ttl 6 h.
 *   "twilio"   HS256, the API key secret. account_sid, api_key_sid,
 *              identity, [opt] room. Header cty "twilio-fpa;v=1"; claims
 *              jti "<api_key_sid>-<now>", grants {video {room}, identity},
 *              iss, exp, nbf, sub. ttl at most 86400 (default 3600).
 *   "vonage"   RS256, the application's private key. application_id,
 *              session_id, [opt] role (publisher, subscriber, moderator,
 *              publisheronly; default publisher), initial_layout_class_list,
 *              connection_data (<= 1000 bytes). Claims scope
 *              "session.connect", session_id, role,
 *              initial_layout_class_list, exp, sub "video", acl, [
 *              connection_data,] jti (random UUID), iat, application_id.
 *              ttl at most 30 days (default 24 h).
 *   "zoom"     HS256, the Video SDK secret. app_key, tpc (<= 200 bytes),
 *              role_type (0 or 1), [opt] user_key, session_key (<= 36
 *              bytes), geo_regions, telemetry_tracking_id, and integers
 *              cloud_recording_option, cloud_recording_election,
 *              video_webrtc_mode, audio_webrtc_mode,
 *              cloud_recording_transcript_option. Claims app_key, role_type,
 *              tpc, version 1, iat, exp, then the optional ones. ttl 1800 to
 *              172800 (default 7200).
 *   "jaas"     RS256, with the key's kid "vpaas-magic-cookie-<hex>/<key id>"
 *              in the header (TESSERA_E_KEY without a kid). [opt] sub (default
 *              the kid's part before '/'; a kid without an AppID before
 *              '/' and no sub is TESSERA_E_ARGUMENT), room (default "*"), user.id,
 *              user.name, user.avatar, user.email, user.moderator (bool,
 *              written "true"/"false"), user.hidden-from-recorder (bool),
 *              features.<livestreaming, recording, transcription,
 *              sip-inbound-call, sip-outbound-call, inbound-call,
 *              outbound-call, file-upload, list-visitors, send-groupchat,
 *              create-polls> (bool, written "true"/"false"), room.regex
 *              (bool). Claims aud "jitsi", context, exp, iss "chat", nbf,
 *              room, sub. Default ttl 7200.
 *   "stream"   HS256, the API secret. user_id, [opt] role, call_cids (list),
 *              iat (bool). Claims [role, call_cids,] user_id, then exp only
 *              when ttl is not 0 and iat only when asked: with ttl 0 the
 *              token never expires and is deterministic, as Stream's own.
 *   "100ms"    HS256, the app secret. access_key, [opt] type (app or
 *              management; default app); an app token needs room_id,
 *              user_id and role, a management token has none. Claims
 *              access_key, [room_id, user_id, role,] type, version 2, iat,
 *              nbf, exp, jti (random UUID). Default ttl 24 h.
 *   "daily"    HS256, the domain's API key. room, domain_id, [opt] user_id,
 *              user_name, is_owner, enable_screenshare, start_video_off,
 *              start_audio_off, eject_at_token_exp (bool), enable_recording,
 *              lang, eject_after_elapsed (integer). Claims r, d, iat, exp,
 *              then ud, u, o, ss, er, vo, ao, ejt, eje, uil as given.
 *              Default ttl 3600.
 *
 * Returns as tessera_jwt_sign_header, and TESSERA_E_ARGUMENT for an unknown
 * platform, a parameter that is not name=value, unknown, repeated, missing
 * or of the wrong form, params NULL with param_count > 0, or param_count
 * over 256, now < 0 or now + ttl overflowing; TESSERA_E_ALGORITHM for a key
 * of another algorithm; TESSERA_E_LIFETIME for a ttl outside the platform's
 * range. A token with a jti (vonage, 100ms) draws its UUID even when only
 * its size is asked for (the size is exact: a UUID has 36 characters).
 * ------------------------------------------------------------------------ */

int tessera_platform_token(const tessera_key *key, const char *platform,
                           const char *const *params, size_t param_count,
                           int64_t now, uint32_t ttl,
                           char *out, size_t out_cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_H */
