// cpp-jwt (Debian's libcpp-jwt-dev 1.4) in a translation unit of its own:
// its namespace jwt collides with libjwt's struct jwt in cbench.cpp.
#include <benchmark/benchmark.h>

#include <jwt/jwt.hpp>

#include <string>

extern const char kVideoSDK[];
extern const char kSecret[];

// Parses the same claims JSON, adds each claim, signs: a full token per op.
void cppjwt_HS256_sign(benchmark::State &st) {
  for (auto _ : st) {
    jwt::jwt_object obj{jwt::params::algorithm("HS256"), jwt::params::secret(kSecret)};
    auto claims = nlohmann::json::parse(kVideoSDK);
    for (auto &item : claims.items()) obj.payload().add_claim(item.key(), item.value());
    std::string token = obj.signature();
    benchmark::DoNotOptimize(token);
  }
  st.SetItemsProcessed(st.iterations());
}
