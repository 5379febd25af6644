// The public header compiles as C++ (extern "C", no C-only constructs) and
// links: built by run.sh with g++ and clang++ -std=c++11 -Wall -Wextra
// -Werror -pedantic.
#include <tessera.h>

#include <cstdio>
#include <cstring>

int main() {
  tessera_key *key = nullptr;
  const char secret[] = "0123456789abcdef0123456789abcdef";
  if (tessera_key_new_hmac(TESSERA_HS256, secret, sizeof secret - 1, nullptr, &key) != TESSERA_OK) return 1;
  char token[256];
  size_t n = 0;
  int rc = tessera_jwt_sign(key, "{}", 2, token, sizeof token, &n);
  tessera_key_free(key);
  tessera_alg alg = TESSERA_HS256;
  if (tessera_alg_from_name("EdDSA", &alg) != TESSERA_OK || alg != TESSERA_EDDSA) return 1;
  std::printf("test_cxx: %s\n", rc == TESSERA_OK && n == std::strlen(token) ? "ok" : "failed");
  return rc == TESSERA_OK ? 0 : 1;
}
