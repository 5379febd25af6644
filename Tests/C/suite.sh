# Sourced by the C test runners (run.sh; make sanitize and make check-memory
# through Tests/C/variants.sh): which programs there are, the fixtures they
# read, and the arguments each takes. Expects $root (the repository).

# Every C test program (Tests/C/NAME.c), each run with test_args' arguments.
# test_wipe, test_alloc and test_batch replace free(), malloc() and
# pthread_create() for the whole process, so they run only
# uninstrumented: C_TESTS_INSTRUMENTABLE is what sanitizers and valgrind run.
C_TESTS_INSTRUMENTABLE="test_api test_credential test_keys test_verify test_peek test_concurrency test_platforms"
C_TESTS="$C_TESTS_INSTRUMENTABLE test_wipe test_alloc test_batch"

# make_fixtures OUT: OUT/keys (openssl, every form Tessera reads and some it
# refuses) and OUT/interop (tokens signed by joserfc and pyca/cryptography).
make_fixtures() {
  fx_keys=$1/keys
  mkdir -p "$fx_keys"
  (
    set -e
    cd "$fx_keys"
    q() { "$@" 2>/dev/null; }
    q openssl genrsa -out rsa_pkcs8.pem 2048
    q openssl pkey -in rsa_pkcs8.pem -pubout -out rsa_spki.pem
    q openssl pkey -in rsa_pkcs8.pem -outform DER -out rsa_pkcs8.der
    q openssl pkey -in rsa_pkcs8.pem -pubout -outform DER -out rsa_spki.der
    q openssl genrsa -traditional -out rsa_pkcs1.pem 2048
    q openssl rsa -in rsa_pkcs1.pem -RSAPublicKey_out -out rsa_pkcs1_pub.pem
    q openssl genrsa -out rsa3072.pem 3072
    q openssl pkey -in rsa3072.pem -pubout -out rsa3072_spki.pem
    q openssl ecparam -name prime256v1 -genkey -noout -out ec256_sec1.pem
    q openssl pkey -in ec256_sec1.pem -pubout -out ec256_spki.pem
    q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384_pkcs8.pem
    q openssl pkey -in ec384_pkcs8.pem -pubout -out ec384_spki.pem
    q openssl ecparam -name secp521r1 -genkey -noout -out ec521_sec1.pem
    q openssl pkey -in ec521_sec1.pem -pubout -out ec521_spki.pem
    q openssl genpkey -algorithm ed25519 -out ed25519.pem
    q openssl pkey -in ed25519.pem -pubout -out ed25519_spki.pem
    # Refused: too small, wrong curve, encrypted (PKCS#8 and legacy), truncated.
    q openssl genrsa -out rsa1024.pem 1024
    q openssl pkey -in rsa1024.pem -pubout -out rsa1024_spki.pem
    q openssl ecparam -name secp256k1 -genkey -noout -out ec256k1.pem
    q openssl pkey -in rsa_pkcs8.pem -aes256 -passout pass:secret -out rsa_encrypted.pem
    q openssl rsa -in rsa_pkcs1.pem -traditional -aes256 -passout pass:secret -out rsa_encrypted_legacy.pem
    { head -n 12 rsa_pkcs8.pem; echo "-----END PRIVATE KEY-----"; } > rsa_truncated.pem
    head -c 300 rsa_pkcs8.der > rsa_truncated.der
  ) || { echo "openssl could not make the test keys"; return 1; }
  python3 "$root/Tests/interop/make_tokens.py" "$1/interop"
}

# test_args NAME OUT BIN: the arguments program NAME takes.
test_args() {
  case $1 in
    test_keys) echo "$2/keys $3.report" ;;
    test_verify) echo "$2/interop" ;;
    test_concurrency) echo "${TESSERA_STRESS_ROUNDS:-}" ;;
    test_wipe) ;;
    test_platforms) echo "$root/Tests/Vectors/agora_accesstoken2.txt" ;;
    *) echo "$root/Tests/Vectors/credential_known_answers.txt" ;;
  esac
}
