/*
 * zlib streams for the formats that compress (Agora AccessToken2, Tencent
 * UserSig), one deflate and one inflate stream per thread, reset for each
 * use. deflateInit allocates about 268 KiB and inflateInit about 40 KiB;
 * keeping them per thread makes every token after a thread's first free of
 * allocation, and no stream is ever shared between threads. A thread's
 * streams are released when it exits (a pthread key destructor).
 *
 * Compression is zlib's default (level 6, 32 KiB window, memLevel 8: what
 * compress() and Python's zlib.compress use), which is what makes the
 * output byte-identical to the vendors' own builders.
 */
#include "tessera_support.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TESSERA_HIDDEN __attribute__((visibility("hidden")))

struct tessera_zstreams {
    z_stream deflater;
    z_stream inflater;
    int has_deflater;
    int has_inflater;
};

static pthread_key_t streams_key;
static pthread_once_t streams_once = PTHREAD_ONCE_INIT;
static int streams_key_ok;

static void release_streams(void *p) {
    struct tessera_zstreams *s = p;
    if (s == NULL) return;
    if (s->has_deflater) deflateEnd(&s->deflater);
    if (s->has_inflater) inflateEnd(&s->inflater);
    free(s);
}

/* calloc, not zlib's default malloc: the library's own allocations are the
 * ones Tests/C/test_nomem.c fails in turn (see Memory.swift). */
static voidpf stream_alloc(voidpf opaque, uInt items, uInt size) {
    (void)opaque;
    return calloc(items, size);
}

static void stream_free(voidpf opaque, voidpf p) {
    (void)opaque;
    free(p);
}

static void make_key(void) {
    streams_key_ok = pthread_key_create(&streams_key, release_streams) == 0;
}

/* The calling thread's streams, created on first use; NULL without memory. */
static struct tessera_zstreams *thread_streams(void) {
    pthread_once(&streams_once, make_key);
    if (!streams_key_ok) return NULL;
    struct tessera_zstreams *s = pthread_getspecific(streams_key);
    if (s != NULL) return s;
    s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    if (pthread_setspecific(streams_key, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* A stream not yet initialised, allocating with stream_alloc. */
static void fresh(z_stream *z) {
    memset(z, 0, sizeof *z);
    z->zalloc = stream_alloc;
    z->zfree = stream_free;
}

/* Points a ready stream at its input and output (lengths checked by the
 * caller to fit zlib's uInt). */
static void aim(z_stream *z, const void *src, size_t n, void *dst, size_t cap) {
    z->next_in = (Bytef *)src;
    z->avail_in = (uInt)n;
    z->next_out = dst;
    z->avail_out = (uInt)cap;
}

TESSERA_HIDDEN size_t tessera__deflate_bound(size_t n) {
    if (n > (size_t)UINT_MAX / 2) return 0;
    return (size_t)compressBound((uLong)n);
}

TESSERA_HIDDEN long tessera__deflate(const void *src, size_t n, void *dst, size_t cap) {
    if (n > (size_t)UINT_MAX / 2 || cap > (size_t)UINT_MAX / 2) return TESSERA__Z_ERROR;
    struct tessera_zstreams *s = thread_streams();
    if (s == NULL) return TESSERA__Z_NOMEM;
    z_stream *z = &s->deflater;
    if (!s->has_deflater) {
        fresh(z);
        int rc = deflateInit(z, Z_DEFAULT_COMPRESSION);
        if (rc == Z_MEM_ERROR) return TESSERA__Z_NOMEM;
        if (rc != Z_OK) return TESSERA__Z_ERROR;
        s->has_deflater = 1;
    } else if (deflateReset(z) != Z_OK) {
        return TESSERA__Z_ERROR;
    }
    aim(z, src, n, dst, cap);
    int rc = deflate(z, Z_FINISH);
    if (rc == Z_STREAM_END) return (long)z->total_out;
    return rc == Z_OK || rc == Z_BUF_ERROR ? TESSERA__Z_SPACE : TESSERA__Z_ERROR;
}

TESSERA_HIDDEN long tessera__inflate(const void *src, size_t n, void *dst, size_t cap) {
    if (n > (size_t)UINT_MAX / 2 || cap > (size_t)UINT_MAX / 2) return TESSERA__Z_ERROR;
    struct tessera_zstreams *s = thread_streams();
    if (s == NULL) return TESSERA__Z_NOMEM;
    z_stream *z = &s->inflater;
    if (!s->has_inflater) {
        fresh(z);
        int rc = inflateInit(z);
        if (rc == Z_MEM_ERROR) return TESSERA__Z_NOMEM;
        if (rc != Z_OK) return TESSERA__Z_ERROR;
        s->has_inflater = 1;
    } else if (inflateReset(z) != Z_OK) {
        return TESSERA__Z_ERROR;
    }
    aim(z, src, n, dst, cap);
    int rc = inflate(z, Z_FINISH);
    if (rc == Z_STREAM_END) {
        /* One complete stream and nothing after it. */
        return z->avail_in == 0 ? (long)z->total_out : TESSERA__Z_DATA;
    }
    if (rc == Z_MEM_ERROR) return TESSERA__Z_NOMEM;
    /* Z_BUF_ERROR with no room left: more output than cap (a bomb, or
     * simply too large); with input left over or none: truncated. */
    if (rc == Z_BUF_ERROR && z->avail_out == 0) return TESSERA__Z_SPACE;
    return TESSERA__Z_DATA;
}
