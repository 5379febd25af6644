// cbench: Tessera's C ABI side by side with its peers and the OpenSSL floor,
// under Google Benchmark (libbenchmark-dev), on the same claims and keys.
//
//   tessera_*          Tessera through tessera.h
//   libjwt_*           libjwt 1.10 (jansson + OpenSSL HMAC()), Debian's libjwt-dev
//   cppjwt_*           cpp-jwt 1.4 (nlohmann::json + OpenSSL), Debian's libcpp-jwt-dev
//   openssl_HMAC_*     hand-written C: base64url + OpenSSL's one-shot HMAC()
//   floor_*            the fair floors, hand-written C doing a format's
//                      irreducible work and nothing else: for HS256 the
//                      header's base64url prepared once, the payload (already
//                      in memory, no snprintf) base64url-encoded, the HMAC from
//                      precomputed inner/outer SHA-256 states, the MAC
//                      base64url-encoded; for the asymmetric algorithms an
//                      EVP_MD_CTX initialised once per key and copied per
//                      operation, then EVP_DigestSign/Verify
//   hashonly_*         the SHA-256 compressions one token needs, nothing else
//
// Verification reads the real clock (a policy without a fixed time), as a
// server's does; the tokens verified expire in 2096.
//
// Every benchmark turns the VideoSDK claims (HS256) or the Skykit claims
// (RS256, ES256, EdDSA) into a complete compact token, or checks one.
// Each runs at 1, 2, 4 ... up to the core count threads (->Threads()).
// Build and run: make cbench CBENCH_ARGS="--benchmark_filter=HS256"

#include <benchmark/benchmark.h>
#include <tessera.h>

#include <jwt.h>  // libjwt

#define OPENSSL_SUPPRESS_DEPRECATED  // the floor copies SHA256_CTX states
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// Shared with cppjwt.cpp: cpp-jwt's namespace jwt and libjwt's struct jwt
// cannot meet in one translation unit.
extern const char kVideoSDK[];
extern const char kSecret[];
void cppjwt_HS256_sign(benchmark::State &st);

const char kVideoSDK[] =
    "{\"apikey\":\"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098\",\"permissions\":[\"allow_join\",\"allow_mod\"],"
    "\"version\":2,\"roles\":[\"CRAWLER\"],\"iat\":1700000000,\"exp\":1700000600}";
const char kSecret[] = "0123456789abcdef0123456789abcdef";  // 32 bytes, HS256's minimum

namespace {

const char kSkykit[] = "{\"iss\":\"ops@example.com\",\"iat\":1700000000,\"exp\":1700003600}";
// The claims of the tokens verified (the real clock is read): the same
// bytes with an exp in 2096.
const char kVideoSDKLive[] =
    "{\"apikey\":\"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098\",\"permissions\":[\"allow_join\",\"allow_mod\"],"
    "\"version\":2,\"roles\":[\"CRAWLER\"],\"iat\":1700000000,\"exp\":4000000600}";
const char kSkykitLive[] = "{\"iss\":\"ops@example.com\",\"iat\":1700000000,\"exp\":4000003600}";
const char kHeaderHS256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "cbench: %s (%s)\n", what, tessera_last_error());
  std::exit(1);
}

// ---- base64, hand-written for the C floors ---------------------------------
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const char kStd64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// `n` bytes in alphabet `t`, padded with '=' when `pad`; returns the end.
char *b64(const unsigned char *s, size_t n, char *o, const char *t, bool pad) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = s[i] << 16 | s[i + 1] << 8 | s[i + 2];
    *o++ = t[v >> 18];
    *o++ = t[v >> 12 & 63];
    *o++ = t[v >> 6 & 63];
    *o++ = t[v & 63];
  }
  if (n - i == 1) {
    unsigned v = s[i] << 16;
    *o++ = t[v >> 18];
    *o++ = t[v >> 12 & 63];
    if (pad) *o++ = '=', *o++ = '=';
  } else if (n - i == 2) {
    unsigned v = s[i] << 16 | s[i + 1] << 8;
    *o++ = t[v >> 18];
    *o++ = t[v >> 12 & 63];
    *o++ = t[v >> 6 & 63];
    if (pad) *o++ = '=';
  }
  return o;
}

char *b64url(const unsigned char *s, size_t n, char *o) { return b64(s, n, o, kB64, false); }
char *b64std(const unsigned char *s, size_t n, char *o) { return b64(s, n, o, kStd64, true); }

// ---- shared fixtures ---------------------------------------------------------
struct Fixtures {
  tessera_key *hs256 = nullptr;
  tessera_policy *policy = nullptr;
  std::string hs256_token;        // VideoSDK claims, exp in 2096
  SHA256_CTX inner{}, outer{};     // the floor's precomputed HMAC states
  std::string hs256_header;        // base64url of the header, and "."
  size_t hs256_blocks = 0;         // SHA-256 compressions per token (hash-only row)
  struct Asym {
    explicit Asym(tessera_alg a) : alg(a) {}
    tessera_alg alg;
    EVP_PKEY *pkey = nullptr;
    tessera_key *key = nullptr;
    std::string token, input;
    std::vector<unsigned char> der_sig;  // what raw OpenSSL verifies
    const char *md = nullptr;
    // The floor's contexts, initialised once (EVP_DigestSignInit fetches the
    // algorithm) and copied per operation, as Tessera's keys do.
    EVP_MD_CTX *sign_ctx = nullptr, *verify_ctx = nullptr;
  };
  Asym rs256{TESSERA_RS256}, es256{TESSERA_ES256}, eddsa{TESSERA_EDDSA};

  Fixtures() {
    if (tessera_key_new_hmac(TESSERA_HS256, kSecret, 32, nullptr, &hs256) != TESSERA_OK) die("hmac key");
    // The real clock: no tessera_policy_set_time.
    if (tessera_policy_new(&policy) != TESSERA_OK) die("policy");
    char out[1024];
    size_t n = 0;
    if (tessera_jwt_sign(hs256, kVideoSDKLive, sizeof kVideoSDKLive - 1, out, sizeof out, &n) != TESSERA_OK) die("token");
    hs256_token.assign(out, n);
    char *e = b64url((const unsigned char *)kHeaderHS256, sizeof kHeaderHS256 - 1, out);
    *e++ = '.';
    hs256_header.assign(out, (size_t)(e - out));
    // The signing input, its padding (9 bytes at least) after the key block,
    // in 64-byte blocks; then the outer hash's one block.
    size_t input = hs256_header.size() + ((sizeof kVideoSDK - 1) * 4 + 2) / 3;
    hs256_blocks = (input + 9 + 63) / 64 + 1;
    unsigned char block[64] = {0}, pad[64];
    std::memcpy(block, kSecret, 32);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, 64);
    make(rs256, "RSA", nullptr, "SHA256");
    make(es256, "EC", "P-256", "SHA256");
    make(eddsa, "ED25519", nullptr, nullptr);
  }

  // One key, generated by OpenSSL, loaded into Tessera through its PEM.
  void make(Asym &a, const char *type, const char *curve, const char *md) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1) die("keygen");
    if (curve && EVP_PKEY_CTX_set_group_name(ctx, curve) != 1) die("curve");
    if (!curve && md && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1) die("bits");
    if (EVP_PKEY_generate(ctx, &a.pkey) != 1) die("generate");
    EVP_PKEY_CTX_free(ctx);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, a.pkey, nullptr, nullptr, 0, nullptr, nullptr);
    char *pem = nullptr;
    long len = BIO_get_mem_data(bio, &pem);
    if (tessera_key_new_pem(a.alg, pem, (size_t)len, nullptr, &a.key) != TESSERA_OK) die("tessera_key_new_pem");
    BIO_free(bio);
    a.md = md;
    char out[4096];
    size_t n = 0;
    if (tessera_jwt_sign(a.key, kSkykitLive, sizeof kSkykitLive - 1, out, sizeof out, &n) != TESSERA_OK) die("asym token");
    a.token.assign(out, n);
    a.input = a.token.substr(0, a.token.rfind('.'));
    // The same signature as raw OpenSSL wants it (DER for ECDSA).
    unsigned char sig[1024];
    size_t sl = sizeof sig;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestSignInit_ex(c, nullptr, md, nullptr, nullptr, a.pkey, nullptr);
    EVP_DigestSign(c, sig, &sl, (const unsigned char *)a.input.data(), a.input.size());
    EVP_MD_CTX_free(c);
    a.der_sig.assign(sig, sig + sl);
    a.sign_ctx = EVP_MD_CTX_new();
    a.verify_ctx = EVP_MD_CTX_new();
    if (!a.sign_ctx || !a.verify_ctx || EVP_DigestSignInit_ex(a.sign_ctx, nullptr, md, nullptr, nullptr, a.pkey, nullptr) != 1 ||
        EVP_DigestVerifyInit_ex(a.verify_ctx, nullptr, md, nullptr, nullptr, a.pkey, nullptr) != 1)
      die("floor contexts");
  }
};

Fixtures &fx() {
  static Fixtures f;  // thread-safe initialisation
  return f;
}

// ---- HS256 sign ----------------------------------------------------------------
void tessera_HS256_sign(benchmark::State &st) {
  char out[1024];
  size_t n = 0;
  tessera_key *key = fx().hs256;
  for (auto _ : st) {
    if (tessera_jwt_sign(key, kVideoSDK, sizeof kVideoSDK - 1, out, sizeof out, &n) != TESSERA_OK) st.SkipWithError("sign");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

void libjwt_HS256_sign(benchmark::State &st) {
  for (auto _ : st) {
    jwt_t *jwt = nullptr;
    if (jwt_new(&jwt) != 0 || jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)kSecret, 32) != 0 ||
        jwt_add_grants_json(jwt, kVideoSDK) != 0) {
      st.SkipWithError("libjwt");
      break;
    }
    char *token = jwt_encode_str(jwt);
    benchmark::DoNotOptimize(token);
    std::free(token);
    jwt_free(jwt);
  }
  st.SetItemsProcessed(st.iterations());
}

// Hand-written C with OpenSSL's one-shot HMAC(): base64url, HMAC, base64url.
void openssl_HMAC_oneshot_HS256_sign(benchmark::State &st) {
  char out[1024];
  unsigned char mac[32];
  unsigned int ml = 0;
  for (auto _ : st) {
    char *p = b64url((const unsigned char *)kHeaderHS256, sizeof kHeaderHS256 - 1, out);
    *p++ = '.';
    p = b64url((const unsigned char *)kVideoSDK, sizeof kVideoSDK - 1, p);
    HMAC(EVP_sha256(), kSecret, 32, (const unsigned char *)out, (size_t)(p - out), mac, &ml);
    *p++ = '.';
    p = b64url(mac, ml, p);
    *p = '\0';
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// The fair floor: the header's base64url prepared once, the payload (in
// memory) encoded, the HMAC from precomputed inner/outer states. Returns the
// token's length.
size_t hs256_floor_once(const char *claims, size_t n, char *out) {
  unsigned char mac[32];
  const std::string &header = fx().hs256_header;
  std::memcpy(out, header.data(), header.size());
  char *p = b64url((const unsigned char *)claims, n, out + header.size());
  SHA256_CTX a = fx().inner, b = fx().outer;
  SHA256_Update(&a, out, (size_t)(p - out));
  SHA256_Final(mac, &a);
  SHA256_Update(&b, mac, 32);
  SHA256_Final(mac, &b);
  *p++ = '.';
  p = b64url(mac, 32, p);
  *p = '\0';
  return (size_t)(p - out);
}

void floor_HS256_sign(benchmark::State &st) {
  char out[1024];
  for (auto _ : st) {
    hs256_floor_once(kVideoSDK, sizeof kVideoSDK - 1, out);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// The limit below any implementation: the SHA-256 compressions an HS256
// token over the VideoSDK claims needs (its inner hash after the key block,
// and the outer hash's one block), with nothing else.
void hashonly_HS256_sign(benchmark::State &st) {
  unsigned char block[64] = {1};
  SHA256_CTX c = fx().inner;
  const size_t blocks = fx().hs256_blocks;
  for (auto _ : st) {
    for (size_t i = 0; i < blocks; i++) SHA256_Transform(&c, block);
    benchmark::DoNotOptimize(c);
  }
  st.SetItemsProcessed(st.iterations());
}

// The same token from a signer template: constant claims prepared once, so
// each token costs iat/exp and the part of the hash they touch. The
// template's claims are the VideoSDK payload without iat/exp, which the
// template adds (the token is the same as tessera_HS256_sign's).
void tessera_HS256_template_sign(benchmark::State &st) {
  static tessera_signer *signer = [] {
    static const char constant[] =
        "{\"apikey\":\"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098\",\"permissions\":[\"allow_join\",\"allow_mod\"],"
        "\"version\":2,\"roles\":[\"CRAWLER\"]}";
    tessera_signer *s = nullptr;
    if (tessera_signer_new(fx().hs256, constant, sizeof constant - 1, 600, 0, &s) != TESSERA_OK) die("signer");
    return s;
  }();
  char out[1024];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_signer_sign(signer, nullptr, 0, 1700000000, out, sizeof out, &n) != TESSERA_OK) st.SkipWithError("template");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// 1024 tokens per call, spread over the cores by the library itself (run at
// one benchmark thread only: the batch call does its own threading, one
// thread per 256 tokens up to the core count).
void tessera_HS256_batch_sign(benchmark::State &st) {
  constexpr size_t kBatch = 1024, kStride = 512;
  std::vector<const char *> claims(kBatch, kVideoSDK);
  std::vector<size_t> lens(kBatch, sizeof kVideoSDK - 1), out_lens(kBatch);
  std::vector<int> statuses(kBatch);
  std::vector<char> out(kBatch * kStride);
  for (auto _ : st) {
    if (tessera_jwt_sign_batch(fx().hs256, kBatch, claims.data(), lens.data(), out.data(), kStride, out_lens.data(),
                               statuses.data()) != TESSERA_OK)
      st.SkipWithError("batch");
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * (int64_t)kBatch);
}

// ---- HS256 verify ----------------------------------------------------------------
void tessera_HS256_verify(benchmark::State &st) {
  char claims[1024];
  size_t n = 0;
  const std::string &token = fx().hs256_token;
  for (auto _ : st) {
    if (tessera_jwt_verify(fx().hs256, token.data(), token.size(), fx().policy, claims, sizeof claims, &n) != TESSERA_OK)
      st.SkipWithError("verify");
    benchmark::DoNotOptimize(claims);
  }
  st.SetItemsProcessed(st.iterations());
}

void libjwt_HS256_verify(benchmark::State &st) {
  const std::string &token = fx().hs256_token;
  for (auto _ : st) {
    jwt_t *jwt = nullptr;
    if (jwt_decode(&jwt, token.c_str(), (const unsigned char *)kSecret, 32) != 0) {
      st.SkipWithError("libjwt decode");
      break;
    }
    benchmark::DoNotOptimize(jwt);
    jwt_free(jwt);
  }
  st.SetItemsProcessed(st.iterations());
}

// The verification floor: the same token's three segments base64url-decoded
// (into the caller's buffer for the claims), the HMAC over the signing input
// from precomputed states, the MAC compared in constant time. No JSON, no
// header or claims checks, no clock.
size_t b64url_decode(const char *s, size_t n, unsigned char *o);

void floor_HS256_verify(benchmark::State &st) {
  const std::string &token = fx().hs256_token;
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  unsigned char header[128], claims[1024], sig[64], mac[32];
  for (auto _ : st) {
    const char *t = token.data();
    b64url_decode(t, dot1, header);
    b64url_decode(t + dot1 + 1, dot2 - dot1 - 1, claims);
    b64url_decode(t + dot2 + 1, token.size() - dot2 - 1, sig);
    SHA256_CTX a = fx().inner, b = fx().outer;
    SHA256_Update(&a, t, dot2);
    SHA256_Final(mac, &a);
    SHA256_Update(&b, mac, 32);
    SHA256_Final(mac, &b);
    if (CRYPTO_memcmp(mac, sig, 32) != 0) st.SkipWithError("floor verify");
    benchmark::DoNotOptimize(claims);
  }
  st.SetItemsProcessed(st.iterations());
}

// ---- credential -------------------------------------------------------------------
const char kSkySecret[] = "sky-way-secret-key-0123456789", kSkyPeer[] = "TestPeerID";

void bm_tessera_credential_sign(benchmark::State &st) {
  char out[64];
  size_t n = 0;
  for (auto _ : st) {
    if (::tessera_credential_sign(kSkySecret, 29, kSkyPeer, 10, 1700000000, 3600, out, sizeof out, &n) != TESSERA_OK)
      st.SkipWithError("credential");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

char *put_decimal(char *p, unsigned long long v) {
  char d[20];
  int k = 0;
  do d[k++] = (char)('0' + v % 10); while (v /= 10);
  while (k) *p++ = d[--k];
  return p;
}

// The credential's own floor: base64(HMAC-SHA256(secret, "ts:ttl:peer")).
// The secret comes with each call, so the floor keys the hash too (the two
// pad blocks), then hashes the message and the outer block.
void credential_floor_once(const char *secret, size_t sn, const char *peer, size_t pn, long long ts, unsigned ttl,
                           char *out) {
  unsigned char k[64] = {0}, mac[32];
  char msg[128];
  std::memcpy(k, secret, sn);  // the fixture's secret is under a block
  for (int i = 0; i < 64; i++) k[i] ^= 0x36;
  SHA256_CTX a, b;
  SHA256_Init(&a);
  SHA256_Update(&a, k, 64);
  for (int i = 0; i < 64; i++) k[i] ^= 0x36 ^ 0x5c;
  SHA256_Init(&b);
  SHA256_Update(&b, k, 64);
  char *p = put_decimal(msg, (unsigned long long)ts);
  *p++ = ':';
  p = put_decimal(p, ttl);
  *p++ = ':';
  std::memcpy(p, peer, pn);
  p += pn;
  SHA256_Update(&a, msg, (size_t)(p - msg));
  SHA256_Final(mac, &a);
  SHA256_Update(&b, mac, 32);
  SHA256_Final(mac, &b);
  *b64std(mac, 32, out) = 0;
}

void floor_credential_sign(benchmark::State &st) {
  char out[64];
  for (auto _ : st) {
    credential_floor_once(kSkySecret, 29, kSkyPeer, 10, 1700000000, 3600, out);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// Verification at the real time: a credential issued now, checked against
// the clock read for each check.
void bm_tessera_credential_verify(benchmark::State &st) {
  char token[64];
  size_t n = 0;
  long long now = (long long)time(nullptr);
  if (tessera_credential_sign(kSkySecret, 29, kSkyPeer, 10, now, 3600, token, sizeof token, &n) != TESSERA_OK)
    die("credential fixture");
  for (auto _ : st) {
    if (tessera_credential_verify(kSkySecret, 29, kSkyPeer, 10, now, 3600, token, n, (long long)time(nullptr)) != TESSERA_OK)
      st.SkipWithError("credential verify");
  }
  st.SetItemsProcessed(st.iterations());
}

// ---- how cost grows: token size, key-set size --------------------------------------
// A token whose payload is `size` bytes of claims (a "pad" string claim
// filling the VideoSDK claims out), signed with the HS256 key.
std::string sized_token(size_t size) {
  std::string claims = kVideoSDKLive;
  size_t base = claims.size() + std::strlen(",\"pad\":\"\"");
  std::string pad(size > base ? size - base : 0, 'x');
  claims.insert(claims.size() - 1, ",\"pad\":\"" + pad + "\"");
  std::vector<char> out(claims.size() * 2 + 512);
  size_t n = 0;
  if (tessera_jwt_sign(fx().hs256, claims.data(), claims.size(), out.data(), out.size(), &n) != TESSERA_OK) die("sized token");
  return std::string(out.data(), n);
}

void tessera_HS256_verify_size(benchmark::State &st) {
  std::string token = sized_token((size_t)st.range(0));
  std::vector<char> claims(token.size());
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_jwt_verify(fx().hs256, token.data(), token.size(), fx().policy, claims.data(), claims.size(), &n) != TESSERA_OK)
      st.SkipWithError("verify");
    benchmark::DoNotOptimize(claims.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(st.iterations() * (int64_t)token.size());
}

// The floor for the same token: base64url-decode the payload into the
// caller's buffer and compute the HMAC over the signing input (no header, no
// JSON, no claims, no comparison).
const signed char *b64url_table() {
  static signed char t[256];
  static bool ready = [] {
    std::memset(t, -1, sizeof t);
    for (int i = 0; i < 64; i++) t[(unsigned char)kB64[i]] = (signed char)i;
    return true;
  }();
  (void)ready;
  return t;
}

size_t b64url_decode(const char *s, size_t n, unsigned char *o) {
  const signed char *t = b64url_table();
  unsigned char *start = o;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    unsigned v = (unsigned)t[(unsigned char)s[i]] << 18 | (unsigned)t[(unsigned char)s[i + 1]] << 12 |
                 (unsigned)t[(unsigned char)s[i + 2]] << 6 | (unsigned)t[(unsigned char)s[i + 3]];
    *o++ = (unsigned char)(v >> 16);
    *o++ = (unsigned char)(v >> 8);
    *o++ = (unsigned char)v;
  }
  if (n - i >= 2) {
    unsigned v = (unsigned)t[(unsigned char)s[i]] << 18 | (unsigned)t[(unsigned char)s[i + 1]] << 12;
    if (n - i == 3) v |= (unsigned)t[(unsigned char)s[i + 2]] << 6;
    *o++ = (unsigned char)(v >> 16);
    if (n - i == 3) *o++ = (unsigned char)(v >> 8);
  }
  return (size_t)(o - start);
}

void floor_HS256_verify_size(benchmark::State &st) {
  std::string token = sized_token((size_t)st.range(0));
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::vector<unsigned char> claims(token.size());
  unsigned char mac[32];
  for (auto _ : st) {
    b64url_decode(token.data() + dot1 + 1, dot2 - dot1 - 1, claims.data());
    SHA256_CTX a = fx().inner, b = fx().outer;
    SHA256_Update(&a, token.data(), dot2);
    SHA256_Final(mac, &a);
    SHA256_Update(&b, mac, 32);
    SHA256_Final(mac, &b);
    benchmark::DoNotOptimize(claims.data());
    benchmark::DoNotOptimize(mac);
  }
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(st.iterations() * (int64_t)token.size());
}

// A token with a kid, checked against a set of `keys` HMAC keys (kids k0 …),
// the token's key added last: the worst place for a search.
void tessera_keyset_kid_verify(benchmark::State &st) {
  const int count = (int)st.range(0);
  tessera_keyset *set = nullptr;
  if (tessera_keyset_new(&set) != TESSERA_OK) die("keyset");
  tessera_key *last = nullptr;
  for (int i = 0; i < count; i++) {
    char kid[16], secret[33];
    std::snprintf(kid, sizeof kid, "k%d", i);
    std::snprintf(secret, sizeof secret, "%032d", i);
    tessera_key *k = nullptr;
    if (tessera_key_new_hmac(TESSERA_HS256, secret, 32, kid, &k) != TESSERA_OK || tessera_keyset_add(set, k) != TESSERA_OK)
      die("keyset key");
    if (i == count - 1) last = k;
    else tessera_key_free(k);
  }
  char token[1024], claims[1024];
  size_t n = 0;
  if (tessera_jwt_sign(last, kVideoSDKLive, sizeof kVideoSDKLive - 1, token, sizeof token, &n) != TESSERA_OK) die("kid token");
  tessera_key_free(last);
  for (auto _ : st) {
    size_t m = 0;
    if (tessera_jwt_verify_keyset(set, token, n, fx().policy, claims, sizeof claims, &m) != TESSERA_OK)
      st.SkipWithError("keyset verify");
    benchmark::DoNotOptimize(claims);
  }
  tessera_keyset_free(set);
  st.SetItemsProcessed(st.iterations());
}

// ---- RTC platforms' own formats: Tessera beside hand-written floors ---------------
// Each floor does the format's irreducible work with the same libraries:
// OpenSSL's one-shot HMAC() (the keys change with every token, so no state
// can be precomputed), zlib's deflate at its default level on a stream kept
// per thread (deflateReset: no 268 KiB allocation per token), and base64.
const char kAgoraApp[] = "970CA35de60c44645bbae8a215061b33", kAgoraCert[] = "5CFd2fd1755d40ecb72977518be15d3b",
           kAgoraChannel[] = "7d72365eb983485397e3e3f9d460bdda", kAgoraUid[] = "2882341273";
const char kTrtcKey[] = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

// A deflate stream per thread, reset for each token.
size_t deflate_reused(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
  thread_local struct Stream {
    z_stream z{};
    Stream() { deflateInit(&z, Z_DEFAULT_COMPRESSION); }
    ~Stream() { deflateEnd(&z); }
  } s;
  deflateReset(&s.z);
  s.z.next_in = const_cast<unsigned char *>(in);
  s.z.avail_in = (uInt)n;
  s.z.next_out = out;
  s.z.avail_out = (uInt)cap;
  return deflate(&s.z, Z_FINISH) == Z_STREAM_END ? s.z.total_out : 0;
}

unsigned char *put16(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  return p + 2;
}
unsigned char *put32(unsigned char *p, uint32_t v) {
  for (int k = 0; k < 4; k++) p[k] = (unsigned char)(v >> (8 * k));
  return p + 4;
}
unsigned char *putstr(unsigned char *p, const char *s) {
  size_t n = std::strlen(s);
  p = put16(p, (unsigned)n);
  std::memcpy(p, s, n);
  return p + n;
}

void tessera_agora_rtc(benchmark::State &st) {
  char out[1024];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_agora_rtc_token(kAgoraApp, kAgoraCert, kAgoraChannel, kAgoraUid, TESSERA_AGORA_ROLE_PUBLISHER, 3600, 3600,
                                1700000000, 12345, out, sizeof out, &n) != TESSERA_OK)
      st.SkipWithError("agora");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// The same token by hand: pack, HMAC-SHA256 three times (two to derive the
// signing key, one to sign), deflate, base64.
void agora_floor_once(char *out) {
  unsigned char content[512], zipped[600], k1[32], k2[32], ts[4], salt[4];
  unsigned int ml = 0;
  unsigned char *info = content + 2 + 32, *p = info;
  p = putstr(p, kAgoraApp);
  p = put32(p, 1700000000);
  p = put32(p, 3600);
  p = put32(p, 12345);
  p = put16(p, 1);
  p = put16(p, 1);
  p = put16(p, 4);
  for (unsigned id = 1; id <= 4; id++) {
    p = put16(p, id);
    p = put32(p, 3600);
  }
  p = putstr(p, kAgoraChannel);
  p = putstr(p, kAgoraUid);
  put32(ts, 1700000000);
  put32(salt, 12345);
  HMAC(EVP_sha256(), ts, 4, (const unsigned char *)kAgoraCert, 32, k1, &ml);
  HMAC(EVP_sha256(), salt, 4, k1, 32, k2, &ml);
  put16(content, 32);
  HMAC(EVP_sha256(), k2, 32, info, (size_t)(p - info), content + 2, &ml);
  size_t z = deflate_reused(content, (size_t)(p - content), zipped, sizeof zipped);
  std::memcpy(out, "007", 3);
  *b64std(zipped, z, out + 3) = 0;
}

void floor_agora_rtc(benchmark::State &st) {
  char out[1024];
  for (auto _ : st) {
    agora_floor_once(out);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

void tessera_agora_verify(benchmark::State &st) {
  char token[1024];
  size_t n = 0;
  if (tessera_agora_rtc_token(kAgoraApp, kAgoraCert, kAgoraChannel, kAgoraUid, TESSERA_AGORA_ROLE_PUBLISHER, 3600, 3600,
                              1700000000, 12345, token, sizeof token, &n) != TESSERA_OK)
    die("agora fixture");
  for (auto _ : st) {
    if (tessera_agora_token_verify(kAgoraCert, token, n, 1700000001, nullptr, 0, nullptr) != TESSERA_OK)
      st.SkipWithError("agora verify");
  }
  st.SetItemsProcessed(st.iterations());
}

void tessera_trtc(benchmark::State &st) {
  char out[1024];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_trtc_usersig(1400000000, kTrtcKey, 64, "xiaojun", 86400, 1700000000, out, sizeof out, &n) != TESSERA_OK)
      st.SkipWithError("trtc");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// The same UserSig by hand: the signed lines, HMAC-SHA256, the JSON, deflate,
// base64 with Tencent's three substitutions.
void trtc_floor_once(char *out) {
  char lines[256], json[512];
  unsigned char mac[32], zipped[600];
  char sig[48];
  unsigned int ml = 0;
  int ln = std::snprintf(lines, sizeof lines, "TLS.identifier:%s\nTLS.sdkappid:%d\nTLS.time:%lld\nTLS.expire:%d\n", "xiaojun",
                         1400000000, 1700000000LL, 86400);
  HMAC(EVP_sha256(), kTrtcKey, 64, (const unsigned char *)lines, (size_t)ln, mac, &ml);
  *b64std(mac, 32, sig) = 0;
  int jn = std::snprintf(json, sizeof json,
                         "{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"%s\", \"TLS.sdkappid\": %d, \"TLS.expire\": %d, "
                         "\"TLS.time\": %lld, \"TLS.sig\": \"%s\"}",
                         "xiaojun", 1400000000, 86400, 1700000000LL, sig);
  size_t z = deflate_reused((const unsigned char *)json, (size_t)jn, zipped, sizeof zipped);
  char *e = b64std(zipped, z, out);
  *e = 0;
  for (char *c = out; c < e; c++) *c = *c == '+' ? '*' : *c == '/' ? '-' : *c == '=' ? '_' : *c;
}

void floor_trtc(benchmark::State &st) {
  char out[1024];
  for (auto _ : st) {
    trtc_floor_once(out);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

void tessera_janus(benchmark::State &st) {
  const char *plugins[] = {"janus.plugin.videoroom"};
  char out[256];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_janus_token("janus-token-auth-secret", 23, 1700003600, plugins, 1, out, sizeof out, &n) != TESSERA_OK)
      st.SkipWithError("janus");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// By hand: the data, HMAC-SHA1, base64.
void janus_floor_once(char *out) {
  unsigned char mac[20];
  unsigned int ml = 0;
  int n = std::snprintf(out, 256, "%lld,janus,%s", 1700003600LL, "janus.plugin.videoroom");
  HMAC(EVP_sha1(), "janus-token-auth-secret", 23, (const unsigned char *)out, (size_t)n, mac, &ml);
  out[n] = ':';
  *b64std(mac, 20, out + n + 1) = 0;
}

void floor_janus(benchmark::State &st) {
  char out[256];
  for (auto _ : st) {
    janus_floor_once(out);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// Each floor makes exactly Tessera's token: checked before anything is timed.
void check_floors() {
  char a[1024], b[1024];
  size_t n = 0;
  hs256_floor_once(kVideoSDK, sizeof kVideoSDK - 1, a);
  if (tessera_jwt_sign(fx().hs256, kVideoSDK, sizeof kVideoSDK - 1, b, sizeof b, &n) != TESSERA_OK || std::strcmp(a, b) != 0)
    die("the HS256 floor and Tessera disagree");
  credential_floor_once(kSkySecret, 29, kSkyPeer, 10, 1700000000, 3600, a);
  if (tessera_credential_sign(kSkySecret, 29, kSkyPeer, 10, 1700000000, 3600, b, sizeof b, &n) != TESSERA_OK ||
      std::strcmp(a, b) != 0)
    die("the credential floor and Tessera disagree");
  const char *plugins[] = {"janus.plugin.videoroom"};
  agora_floor_once(a);
  if (tessera_agora_rtc_token(kAgoraApp, kAgoraCert, kAgoraChannel, kAgoraUid, TESSERA_AGORA_ROLE_PUBLISHER, 3600, 3600,
                              1700000000, 12345, b, sizeof b, &n) != TESSERA_OK || std::strcmp(a, b) != 0)
    die("the Agora floor and Tessera disagree");
  trtc_floor_once(a);
  if (tessera_trtc_usersig(1400000000, kTrtcKey, 64, "xiaojun", 86400, 1700000000, b, sizeof b, &n) != TESSERA_OK ||
      std::strcmp(a, b) != 0)
    die("the UserSig floor and Tessera disagree");
  janus_floor_once(a);
  if (tessera_janus_token("janus-token-auth-secret", 23, 1700003600, plugins, 1, b, sizeof b, &n) != TESSERA_OK ||
      std::strcmp(a, b) != 0)
    die("the Janus floor and Tessera disagree");
}

void tessera_livekit(benchmark::State &st) {
  const char *params[] = {"api_key=APIxyz", "identity=alice", "room=r1", "roomJoin=true"};
  char out[1024];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_platform_token(fx().hs256, "livekit", params, 4, 1700000000, 3600, out, sizeof out, &n) != TESSERA_OK)
      st.SkipWithError("livekit");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// ---- asymmetric: Tessera against raw OpenSSL on the same key ----------------------
void asym_sign(benchmark::State &st, Fixtures::Asym &a) {
  char out[4096];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_jwt_sign(a.key, kSkykit, sizeof kSkykit - 1, out, sizeof out, &n) != TESSERA_OK) st.SkipWithError("sign");
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(st.iterations());
}

// Raw OpenSSL at its best: the key's context initialised once, copied into
// a context this thread keeps, then one EVP_DigestSign (the signing input
// is already encoded; no base64, no DER conversion).
void asym_floor_sign(benchmark::State &st, Fixtures::Asym &a) {
  unsigned char sig[1024];
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  for (auto _ : st) {
    size_t sl = sizeof sig;
    if (EVP_MD_CTX_copy_ex(c, a.sign_ctx) != 1 ||
        EVP_DigestSign(c, sig, &sl, (const unsigned char *)a.input.data(), a.input.size()) != 1)
      st.SkipWithError("EVP_DigestSign");
    benchmark::DoNotOptimize(sig);
  }
  EVP_MD_CTX_free(c);
  st.SetItemsProcessed(st.iterations());
}

void asym_verify(benchmark::State &st, Fixtures::Asym &a) {
  char claims[1024];
  size_t n = 0;
  for (auto _ : st) {
    if (tessera_jwt_verify(a.key, a.token.data(), a.token.size(), fx().policy, claims, sizeof claims, &n) != TESSERA_OK)
      st.SkipWithError("verify");
    benchmark::DoNotOptimize(claims);
  }
  st.SetItemsProcessed(st.iterations());
}

// The same for verification: the signature already in DER, the input
// already decoded; no parsing, no claims, no clock.
void asym_floor_verify(benchmark::State &st, Fixtures::Asym &a) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  for (auto _ : st) {
    if (EVP_MD_CTX_copy_ex(c, a.verify_ctx) != 1 ||
        EVP_DigestVerify(c, a.der_sig.data(), a.der_sig.size(), (const unsigned char *)a.input.data(), a.input.size()) != 1)
      st.SkipWithError("EVP_DigestVerify");
  }
  EVP_MD_CTX_free(c);
  st.SetItemsProcessed(st.iterations());
}

// Registers a benchmark at 1, 2, 4 ... threads and at the core count.
template <class Fn>
void add(const std::string &name, Fn fn, int max_threads) {
  auto *b = benchmark::RegisterBenchmark(name.c_str(), fn);
  for (int t = 1; t <= max_threads; t *= 2) b->Threads(t);
  if (max_threads & (max_threads - 1)) b->Threads(max_threads);
  b->UseRealTime();
}

}  // namespace

int main(int argc, char **argv) {
  int cores = (int)std::thread::hardware_concurrency();
  if (cores < 1) cores = 1;
  fx();  // keys and tokens before any timing
  check_floors();
  add("tessera_HS256_sign", tessera_HS256_sign, cores);
  add("tessera_HS256_template_sign", tessera_HS256_template_sign, cores);
  add("tessera_HS256_batch_sign", tessera_HS256_batch_sign, 1);
  add("floor_HS256_sign", floor_HS256_sign, cores);
  add("hashonly_HS256_sign", hashonly_HS256_sign, cores);
  add("openssl_HMAC_oneshot_HS256_sign", openssl_HMAC_oneshot_HS256_sign, cores);
  add("libjwt_HS256_sign", libjwt_HS256_sign, cores);
  add("cppjwt_HS256_sign", cppjwt_HS256_sign, cores);
  add("tessera_HS256_verify", tessera_HS256_verify, cores);
  add("libjwt_HS256_verify", libjwt_HS256_verify, cores);
  add("floor_HS256_verify", floor_HS256_verify, cores);
  add("tessera_credential_sign", bm_tessera_credential_sign, cores);
  add("floor_credential_sign", floor_credential_sign, cores);
  add("tessera_credential_verify", bm_tessera_credential_verify, cores);
  add("tessera_agora_rtc_token", tessera_agora_rtc, cores);
  add("floor_agora_rtc_token", floor_agora_rtc, cores);
  add("tessera_agora_token_verify", tessera_agora_verify, cores);
  add("tessera_trtc_usersig", tessera_trtc, cores);
  add("floor_trtc_usersig", floor_trtc, cores);
  add("tessera_janus_token", tessera_janus, cores);
  add("floor_janus_token", floor_janus, cores);
  add("tessera_livekit_token", tessera_livekit, cores);
  struct {
    const char *name;
    Fixtures::Asym *a;
  } asyms[] = {{"RS256", &fx().rs256}, {"ES256", &fx().es256}, {"EdDSA", &fx().eddsa}};
  for (auto &x : asyms) {
    Fixtures::Asym *a = x.a;
    std::string alg = x.name;
    add("tessera_" + alg + "_sign", [a](benchmark::State &st) { asym_sign(st, *a); }, cores);
    add("floor_openssl_" + alg + "_sign", [a](benchmark::State &st) { asym_floor_sign(st, *a); }, cores);
    add("tessera_" + alg + "_verify", [a](benchmark::State &st) { asym_verify(st, *a); }, cores);
    add("floor_openssl_" + alg + "_verify", [a](benchmark::State &st) { asym_floor_verify(st, *a); }, cores);
  }
  // The curves, one thread: token size (bytes of claims) and key-set size.
  for (auto *b : {benchmark::RegisterBenchmark("tessera_HS256_verify_size", tessera_HS256_verify_size),
                  benchmark::RegisterBenchmark("floor_HS256_verify_size", floor_HS256_verify_size)})
    b->Arg(256)->Arg(1024)->Arg(4096)->Arg(8192)->Arg(16384)->Arg(32768)->Arg(48000)->UseRealTime();  // TESSERA_TOKEN_MAX
  benchmark::RegisterBenchmark("tessera_keyset_kid_verify", tessera_keyset_kid_verify)
      ->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
