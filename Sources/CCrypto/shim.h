#ifndef POLICYOPS_CCRYPTO_SHIM_H
#define POLICYOPS_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* One-shot SHA-256 on a context on the stack: no allocation and no provider lookup, which
   EVP_Digest does on every call. OpenSSL 3 marks the low-level API deprecated, not
   removed; it is the same implementation (SHA-NI where the CPU has it). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void policyops_sha256(const void *data, size_t count, unsigned char out[32]) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, count);
    SHA256_Final(out, &context);
}
#pragma GCC diagnostic pop
#endif
