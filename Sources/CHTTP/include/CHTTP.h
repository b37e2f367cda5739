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

/* Asked whether a connection may be made: before the host name is resolved (`address`
   NULL), and for every address libcurl is about to connect to, after its own resolution
   (16 bytes, IPv4 as ::ffff:a.b.c.d). Returns 1 to allow; 0 to refuse, with why in `why`. */
typedef int (*policyops_http_address_check)(void *context, const char *host, const unsigned char *address,
                                            char *why, size_t why_size);

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
    policyops_http_address_check check; /* NULL: every address allowed */
    void *check_context;
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
    int refused;                   /* connections the check refused (never connected) */
    int allowed;                   /* connections it allowed */
    char refusal[512];             /* why the first one was refused */
} policyops_http_response;

/* Performs the request; returns curl's code (0 on success). The response's buffers are
   owned by the caller, who frees them with policyops_http_response_free. */
int policyops_http_perform(const policyops_http_request *request, policyops_http_response *response);

void policyops_http_response_free(policyops_http_response *response);

/* The host of a URL as libcurl reads it (IPv4 in any of its spellings normalized to
   a.b.c.d, IPv6 without brackets); 0 on success. */
int policyops_http_url_host(const char *url, char *host, size_t host_size);

/* The addresses `host` resolves to for a TCP connection (16 bytes each, IPv4 as
   ::ffff:a.b.c.d), at most `max`; returns how many, or -1 with the resolver's message in
   `error`. */
int policyops_http_resolve(const char *host, unsigned char *addresses, int max, char *error, size_t error_size);

#endif
