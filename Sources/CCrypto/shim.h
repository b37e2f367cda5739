#ifndef POLICYOPS_CCRYPTO_SHIM_H
#define POLICYOPS_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
