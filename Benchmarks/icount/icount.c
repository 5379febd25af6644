/* icount: the drivers `make icount` runs under valgrind --tool=callgrind.
 * Instruction counts are not noisy where times are (a shared 2-vCPU
 * machine): they show what a change did to the work per token, and how far
 * Tessera's asymmetric operations are from raw OpenSSL's.
 *
 *   icount hs-sign|hs-verify|template N
 *       N HS256 tokens on the VideoSDK claims (as cbench signs them).
 *   icount tessera-sign|floor-sign|tessera-verify|floor-verify PEM N
 *       N operations with the private key in PEM (RSA: RS256, EC P-256:
 *       ES256, Ed25519: EdDSA). The floor is cbench's: a context
 *       initialised once, copied per operation (EVP_MD_CTX_copy_ex), then
 *       EVP_DigestSign / EVP_DigestVerify over the encoded signing input
 *       (DER signatures for ECDSA).
 *
 * The script subtracts two runs of different N, so the set-up cancels. */
#include <tessera.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char videosdk[] =
    "{\"apikey\":\"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098\",\"permissions\":[\"allow_join\",\"allow_mod\"],"
    "\"version\":2,\"roles\":[\"CRAWLER\"],\"iat\":1700000000,\"exp\":4000000600}";
static const char videosdk_template[] =
    "{\"apikey\":\"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098\",\"permissions\":[\"allow_join\",\"allow_mod\"],"
    "\"version\":2,\"roles\":[\"CRAWLER\"]}";
static const char asym_claims[] = "{\"sub\":\"device-42\",\"room\":\"lobby\",\"iat\":1700000000,\"exp\":4000000600}";
static const char secret[] = "0123456789abcdef0123456789abcdef";

static int die(const char *what) {
  fprintf(stderr, "icount: %s\n", what);
  return 1;
}

static int hmac(const char *mode, long n) {
  tessera_key *key = NULL;
  tessera_policy *policy = NULL;
  tessera_signer *signer = NULL;
  char token[1024], out[1024];
  size_t token_len = 0, out_len = 0;
  if (tessera_key_new_hmac(TESSERA_HS256, secret, sizeof secret - 1, NULL, &key) != TESSERA_OK ||
      tessera_policy_new(&policy) != TESSERA_OK ||
      tessera_jwt_sign(key, videosdk, sizeof videosdk - 1, token, sizeof token, &token_len) != TESSERA_OK ||
      tessera_signer_new(key, videosdk_template, sizeof videosdk_template - 1, 600, 0, &signer) != TESSERA_OK)
    return die("set-up");
  /* The mode is read once: the loop holds the measured calls and nothing else. */
  enum { SIGN, VERIFY, TEMPLATE } op;
  if (!strcmp(mode, "hs-sign")) op = SIGN;
  else if (!strcmp(mode, "hs-verify")) op = VERIFY;
  else if (!strcmp(mode, "template")) op = TEMPLATE;
  else return die("unknown mode");
  for (long i = 0; i < n; i++) {
    int rc;
    if (op == SIGN)
      rc = tessera_jwt_sign(key, videosdk, sizeof videosdk - 1, out, sizeof out, &out_len);
    else if (op == VERIFY)
      rc = tessera_jwt_verify(key, token, token_len, policy, out, sizeof out, &out_len);
    else
      rc = tessera_signer_sign(signer, NULL, 0, 1700000000 + i, out, sizeof out, &out_len);
    if (rc != TESSERA_OK) return die(mode);
  }
  tessera_signer_free(signer);
  tessera_policy_free(policy);
  tessera_key_free(key);
  return 0;
}

static int asym(const char *mode, const char *file, long n) {
  char pem[16384];
  FILE *f = fopen(file, "r");
  if (!f) return die("cannot open the PEM");
  size_t pem_len = fread(pem, 1, sizeof pem, f);
  fclose(f);
  BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
  EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  if (!pkey) return die("not a private key in PEM");
  tessera_alg alg;
  const char *md = "SHA256";
  if (EVP_PKEY_is_a(pkey, "RSA")) alg = TESSERA_RS256;
  else if (EVP_PKEY_is_a(pkey, "EC")) alg = TESSERA_ES256;
  else if (EVP_PKEY_is_a(pkey, "ED25519")) alg = TESSERA_EDDSA, md = NULL;
  else return die("RSA, EC P-256 or Ed25519 only");

  tessera_key *key = NULL;
  tessera_policy *policy = NULL;
  char token[4096], out[4096];
  size_t token_len = 0, out_len = 0;
  if (tessera_key_new_pem(alg, pem, pem_len, NULL, &key) != TESSERA_OK || tessera_policy_new(&policy) != TESSERA_OK ||
      tessera_jwt_sign(key, asym_claims, sizeof asym_claims - 1, token, sizeof token, &token_len) != TESSERA_OK)
    return die("Tessera set-up");
  const char *dot = memchr(token, '.', token_len);
  dot = dot ? memchr(dot + 1, '.', token_len - (size_t)(dot + 1 - token)) : NULL;
  if (!dot) return die("token");
  size_t input_len = (size_t)(dot - token);
  const unsigned char *input = (const unsigned char *)token;

  EVP_MD_CTX *sign_ctx = EVP_MD_CTX_new(), *verify_ctx = EVP_MD_CTX_new(), *work = EVP_MD_CTX_new();
  unsigned char der[1024], sig[1024];
  size_t der_len = sizeof der, sig_len;
  if (!sign_ctx || !verify_ctx || !work || EVP_DigestSignInit_ex(sign_ctx, NULL, md, NULL, NULL, pkey, NULL) != 1 ||
      EVP_DigestVerifyInit_ex(verify_ctx, NULL, md, NULL, NULL, pkey, NULL) != 1 ||
      EVP_MD_CTX_copy_ex(work, sign_ctx) != 1 || EVP_DigestSign(work, der, &der_len, input, input_len) != 1)
    return die("OpenSSL set-up");

  enum { TESSERA_SIGN, TESSERA_VERIFY, FLOOR_SIGN, FLOOR_VERIFY } op;
  if (!strcmp(mode, "tessera-sign")) op = TESSERA_SIGN;
  else if (!strcmp(mode, "tessera-verify")) op = TESSERA_VERIFY;
  else if (!strcmp(mode, "floor-sign")) op = FLOOR_SIGN;
  else if (!strcmp(mode, "floor-verify")) op = FLOOR_VERIFY;
  else return die("unknown mode");
  for (long i = 0; i < n; i++) {
    int ok;
    if (op == TESSERA_SIGN)
      ok = tessera_jwt_sign(key, asym_claims, sizeof asym_claims - 1, out, sizeof out, &out_len) == TESSERA_OK;
    else if (op == TESSERA_VERIFY)
      ok = tessera_jwt_verify(key, token, token_len, policy, out, sizeof out, &out_len) == TESSERA_OK;
    else if (op == FLOOR_SIGN)
      ok = (sig_len = sizeof sig, EVP_MD_CTX_copy_ex(work, sign_ctx) == 1 &&
                                      EVP_DigestSign(work, sig, &sig_len, input, input_len) == 1);
    else
      ok = EVP_MD_CTX_copy_ex(work, verify_ctx) == 1 && EVP_DigestVerify(work, der, der_len, input, input_len) == 1;
    if (!ok) return die(mode);
  }
  EVP_MD_CTX_free(work);
  EVP_MD_CTX_free(verify_ctx);
  EVP_MD_CTX_free(sign_ctx);
  EVP_PKEY_free(pkey);
  tessera_policy_free(policy);
  tessera_key_free(key);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3) return hmac(argv[1], atol(argv[2]));
  if (argc == 4) return asym(argv[1], argv[2], atol(argv[3]));
  fprintf(stderr, "usage: icount hs-sign|hs-verify|template N\n"
                  "       icount tessera-sign|floor-sign|tessera-verify|floor-verify PEM N\n");
  return 2;
}
