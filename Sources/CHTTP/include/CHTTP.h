#ifndef POLICYOPS_CHTTP_H
#define POLICYOPS_CHTTP_H
#include <stddef.h>

/* One HTTP request through libcurl (OpenSSL), for the drivers. Everything curl needs is
   set here, in C, because curl_easy_setopt is variadic; Swift sees two plain functions. */

enum policyops_tls_mode {
    POLICYOPS_TLS_SYSTEM = 0,      /* the system's certificate authorities, host name checked */
    POLICYOPS_TLS_CA_FILE = 1,     /* the authorities of a PEM file, host name checked */
    POLICYOPS_TLS_PINNED = 2,      /* the leaf certificate's SHA-256 must be this one */
    POLICYOPS_TLS_INSECURE = 3     /* no verification */
};

/* Connections kept open between requests (keep-alive), shared by the threads that make
   them. A pool serves one origin with one way of verifying it: a connection is verified
   once, when it is made, so requests verified another way never share it. */
typedef struct policyops_http_pool policyops_http_pool;

policyops_http_pool *policyops_http_pool_create(void);

typedef struct policyops_http_request {
    const char *method;
    const char *url;
    const char *const *headers;    /* "Name: value" */
    int header_count;
    const unsigned char *body;
    size_t body_length;
    long timeout_ms;
    long connect_timeout_ms;
    int tls_mode;
    const char *ca_file;
    const unsigned char *pin_sha256;   /* 32 bytes when pinned */
    policyops_http_pool *pool;         /* NULL: a connection of its own, closed after */
} policyops_http_request;

typedef struct policyops_http_response {
    long status;
    unsigned char *headers;        /* the raw header block of the last response */
    size_t headers_length;
    unsigned char *body;
    size_t body_length;
    unsigned char seen_sha256[32]; /* the peer certificate's SHA-256, when pinned */
    int seen_set;
    int pin_mismatch;
    int curl_code;                 /* 0 on success */
    char error[256];
} policyops_http_response;

/* Performs the request; returns curl's code (0 on success). The response's buffers are
   owned by the caller, who frees them with policyops_http_response_free. */
int policyops_http_perform(const policyops_http_request *request, policyops_http_response *response);

void policyops_http_response_free(policyops_http_response *response);

#endif
