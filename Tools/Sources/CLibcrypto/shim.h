/* CLibcrypto: what the tessera tool needs from libcrypto beyond the library:
 * generating keys and writing them as PEM, random bytes, wiping. */
#ifndef TESSERA_CLI_LIBCRYPTO_H
#define TESSERA_CLI_LIBCRYPTO_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* BIO_get_mem_data is a macro. */
static inline long tessera_cli_bio_data(BIO *bio, char **data) {
  return BIO_get_mem_data(bio, data);
}

#endif
