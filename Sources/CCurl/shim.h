#ifndef FISCAL_CCURL_SHIM_H
#define FISCAL_CCURL_SHIM_H
#include <curl/curl.h>
#include <string.h>
#include <stdlib.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. */
static inline CURLcode shim_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode shim_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode shim_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode shim_setopt_list(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode shim_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

/* The response body accumulates in a growing C buffer, so no Swift closure crosses into C. */
typedef struct { char *data; size_t length; size_t limit; int overflow; } shim_buffer;

static inline size_t shim_write_body(char *ptr, size_t size, size_t count, void *user) {
    shim_buffer *b = (shim_buffer *)user;
    size_t n = size * count;
    if (b->length + n > b->limit) { b->overflow = 1; return 0; }
    char *grown = (char *)realloc(b->data, b->length + n + 1);
    if (!grown) return 0;
    b->data = grown;
    memcpy(b->data + b->length, ptr, n);
    b->length += n;
    b->data[b->length] = 0;
    return n;
}

static inline CURLcode shim_collect_body(CURL *h, shim_buffer *b) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, shim_write_body);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)b);
}

static inline void shim_buffer_free(shim_buffer *b) { free(b->data); b->data = NULL; b->length = 0; }
#endif
