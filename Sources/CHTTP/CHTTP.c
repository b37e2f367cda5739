#include "CHTTP.h"
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

struct policyops_http_pool {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static void lock_pool(CURL *curl, curl_lock_data data, curl_lock_access access, void *user) {
    (void)curl; (void)access;
    pthread_mutex_lock(&((policyops_http_pool *)user)->locks[data]);
}

static void unlock_pool(CURL *curl, curl_lock_data data, void *user) {
    (void)curl;
    pthread_mutex_unlock(&((policyops_http_pool *)user)->locks[data]);
}

policyops_http_pool *policyops_http_pool_create(void) {
    pthread_once(&once, global_init);
    policyops_http_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->share = curl_share_init();
    if (!pool->share) {
        free(pool);
        return NULL;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&pool->locks[i], NULL);
    curl_share_setopt(pool->share, CURLSHOPT_LOCKFUNC, lock_pool);
    curl_share_setopt(pool->share, CURLSHOPT_UNLOCKFUNC, unlock_pool);
    curl_share_setopt(pool->share, CURLSHOPT_USERDATA, pool);
    curl_share_setopt(pool->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(pool->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    return pool;
}

typedef struct buffer { unsigned char *data; size_t length, capacity; } buffer;

static int append(buffer *b, const void *bytes, size_t n) {
    if (b->length + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 4096;
        while (capacity < b->length + n) capacity *= 2;
        unsigned char *grown = realloc(b->data, capacity);
        if (!grown) return 0;
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
    return 1;
}

static size_t on_body(char *data, size_t size, size_t count, void *user) {
    return append((buffer *)user, data, size * count) ? size * count : 0;
}

static size_t on_header(char *data, size_t size, size_t count, void *user) {
    buffer *b = user;
    /* A new status line (after a redirect or a 100 Continue) starts the block again. */
    if (size * count >= 5 && memcmp(data, "HTTP/", 5) == 0) b->length = 0;
    return append(b, data, size * count) ? size * count : 0;
}

typedef struct pin { const unsigned char *expected; policyops_http_response *response; } pin;

/* Replaces OpenSSL's chain verification: the leaf certificate is accepted when its SHA-256
   is the pinned one, whoever signed it (the norm for self-signed Proxmox hosts). */
static int verify_pin(X509_STORE_CTX *store, void *arg) {
    pin *p = arg;
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    unsigned char md[32];
    unsigned int n = 0;
    if (!leaf || !X509_digest(leaf, EVP_sha256(), md, &n) || n != 32) return 0;
    memcpy(p->response->seen_sha256, md, 32);
    p->response->seen_set = 1;
    if (memcmp(md, p->expected, 32) != 0) {
        p->response->pin_mismatch = 1;
        return 0;
    }
    return 1;
}

static CURLcode on_ssl_context(CURL *curl, void *context, void *arg) {
    (void)curl;
    SSL_CTX_set_cert_verify_callback((SSL_CTX *)context, verify_pin, arg);
    /* The callback's argument lives as long as the request that makes the connection: a
       connection kept for later requests must never verify again (no renegotiation). */
    SSL_CTX_set_options((SSL_CTX *)context, SSL_OP_NO_RENEGOTIATION);
    return CURLE_OK;
}

/* Any address as 16 bytes, IPv4 mapped into ::ffff:0:0/96; 0 for another family. */
static int mapped_address(const struct sockaddr *address, unsigned char out[16]) {
    if (address->sa_family == AF_INET) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xFF;
        memcpy(out + 12, &((const struct sockaddr_in *)address)->sin_addr, 4);
        return 1;
    }
    if (address->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)address)->sin6_addr, 16);
        return 1;
    }
    return 0;
}

typedef struct destination {
    const policyops_http_request *request;
    policyops_http_response *response;
    char host[256];
} destination;

static void refuse(destination *d, const char *why) {
    if (d->response->refused++ == 0) {
        strncpy(d->response->refusal, why, sizeof d->response->refusal - 1);
    }
}

/* Every socket libcurl opens for a connection comes from here, after its resolution and
   for each address it tries (both families, every retry): one the check refuses is never
   made, so nothing is connected and nothing is sent. */
static curl_socket_t on_open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *address) {
    destination *d = user;
    unsigned char bytes[16];
    char why[512] = {0};
    if (purpose != CURLSOCKTYPE_IPCXN || !mapped_address(&address->addr, bytes)) {
        refuse(d, "not an IPv4 or IPv6 connection");
        return CURL_SOCKET_BAD;
    }
    if (!d->request->check(d->request->check_context, d->host, bytes, why, sizeof why)) {
        refuse(d, why);
        return CURL_SOCKET_BAD;
    }
    d->response->allowed++;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int policyops_http_url_host(const char *url, char *host, size_t host_size) {
    CURLU *u = curl_url();
    if (!u) return -1;
    char *part = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
        size_t n = strlen(part);
        const char *start = part;
        if (n >= 2 && part[0] == '[' && part[n - 1] == ']') {
            start++;
            n -= 2;
        }
        if (n < host_size) {
            memcpy(host, start, n);
            host[n] = 0;
            rc = 0;
        }
    }
    curl_free(part);
    curl_url_cleanup(u);
    return rc;
}

int policyops_http_resolve(const char *host, unsigned char *addresses, int max, char *error, size_t error_size) {
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &list);
    if (rc != 0) {
        snprintf(error, error_size, "%s", gai_strerror(rc));
        return -1;
    }
    int count = 0;
    for (struct addrinfo *a = list; a && count < max; a = a->ai_next) {
        if (mapped_address(a->ai_addr, addresses + 16 * count)) count++;
    }
    freeaddrinfo(list);
    return count;
}

int policyops_http_perform(const policyops_http_request *request, policyops_http_response *response) {
    pthread_once(&once, global_init);
    memset(response, 0, sizeof *response);
    CURL *curl = curl_easy_init();
    if (!curl) {
        response->curl_code = CURLE_FAILED_INIT;
        strncpy(response->error, "cannot start libcurl", sizeof response->error - 1);
        return response->curl_code;
    }
    buffer body = {0}, headers = {0};
    struct curl_slist *list = NULL;
    for (int i = 0; i < request->header_count; i++) list = curl_slist_append(list, request->headers[i]);
    /* No "Expect: 100-continue" round trip. */
    list = curl_slist_append(list, "Expect:");
    char error[CURL_ERROR_SIZE] = {0};
    pin p = { request->pin_sha256, response };
    destination d = { request, response, {0} };
    if (request->check) {
        char why[512] = {0};
        if (policyops_http_url_host(request->url, d.host, sizeof d.host) != 0) {
            refuse(&d, "the URL has no host libcurl can read");
        } else if (!request->check(request->check_context, d.host, NULL, why, sizeof why)) {
            refuse(&d, why);
        }
        if (response->refused) {
            /* Refused by its name (a metadata service): not even resolved. */
            curl_slist_free_all(list);
            curl_easy_cleanup(curl);
            response->curl_code = CURLE_COULDNT_CONNECT;
            strncpy(response->error, response->refusal, sizeof response->error - 1);
            return response->curl_code;
        }
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &d);
    }

    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (request->body_length > 0 || strcmp(request->method, "POST") == 0 || strcmp(request->method, "PUT") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body ? (const char *)request->body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
    } else if (strcmp(request->method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    /* A redirect is an answer, never followed: its address was not checked. */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    /* No proxy, whatever the environment says: the check is on the address connected to,
       and through a proxy that would be the proxy's, not the host's. */
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    if (request->pool) curl_easy_setopt(curl, CURLOPT_SHARE, request->pool->share);
    switch (request->tls_mode) {
    case POLICYOPS_TLS_CA_FILE:
        curl_easy_setopt(curl, CURLOPT_CAINFO, request->ca_file);
        curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
        break;
    case POLICYOPS_TLS_PINNED:
        /* The pin is the identity: the callback decides, the host name is not checked. */
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_context);
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &p);
        /* No TLS session resumption: every new connection shows its certificate and the
           callback checks it. (A connection kept open was checked when it was made.) */
        curl_easy_setopt(curl, CURLOPT_SSL_SESSIONID_CACHE, 0L);
        /* Nothing to load: the system's authorities play no part (loading them costs more
           than the handshake). */
        curl_easy_setopt(curl, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
        break;
    case POLICYOPS_TLS_INSECURE:
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        break;
    default:
        break;
    }
    CURLcode code = curl_easy_perform(curl);
    response->curl_code = (int)code;
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    } else {
        const char *text = error[0] ? error : curl_easy_strerror(code);
        strncpy(response->error, text, sizeof response->error - 1);
    }
    response->body = body.data;
    response->body_length = body.length;
    response->headers = headers.data;
    response->headers_length = headers.length;
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return response->curl_code;
}

void policyops_http_response_free(policyops_http_response *response) {
    free(response->body);
    free(response->headers);
    response->body = NULL;
    response->headers = NULL;
}
