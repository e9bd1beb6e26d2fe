/*
 * es_buffers.c: the loop's read and write buffer pools.
 *
 * A read buffer is one allocation: the es_rbuf header, the protocols' state (HTTP/1.1's
 * parse state and header array), then the data bytes. Standard-size buffers are recycled
 * through a per-loop free list (no lock: one loop, one thread). Larger ones, needed only
 * for big bodies, are allocated for that request and freed when it ends.
 */
#include <stdlib.h>
#include <string.h>
#include "es_core.h"

enum { ES_POOL_MAX_FREE = 256, ES_WBUF_STANDARD = 16 * 1024 };

static es_rbuf *rbuf_alloc(es_loop *loop, uint32_t cap) {
    es_rbuf *rbuf = malloc(sizeof(es_rbuf) + loop->rbuf_state_size + cap);
    if (rbuf == NULL) return NULL;
    memset(rbuf, 0, sizeof(es_rbuf));
    rbuf->cap = cap;
    rbuf->data = (char *)es_rbuf_state(rbuf) + loop->rbuf_state_size;
    return rbuf;
}

es_rbuf *es_rbuf_take(es_loop *loop) {
    es_rbuf *rbuf = loop->free_rbufs;
    if (rbuf != NULL) {
        loop->free_rbufs = rbuf->next_free;
        loop->free_rbuf_count--;
    } else {
        rbuf = rbuf_alloc(loop, loop->rbuf_cap);
        if (rbuf == NULL) return NULL;
        rbuf->pooled = 1;
    }
    rbuf->len = rbuf->start = 0;
    return rbuf;
}

void es_rbuf_give(es_loop *loop, es_rbuf *rbuf) {
    if (rbuf->pooled && loop->free_rbuf_count < ES_POOL_MAX_FREE) {
        rbuf->next_free = loop->free_rbufs;
        loop->free_rbufs = rbuf;
        loop->free_rbuf_count++;
    } else {
        free(rbuf);
    }
}

es_rbuf *es_rbuf_grow(es_loop *loop, const es_rbuf *rbuf, uint32_t needed_cap) {
    if (needed_cap <= rbuf->cap) return NULL;
    uint32_t cap = rbuf->cap;
    while (cap < needed_cap) cap = cap > UINT32_MAX / 2 ? needed_cap : cap * 2;
    es_rbuf *bigger = rbuf_alloc(loop, cap);
    if (bigger == NULL) return NULL;
    bigger->len = rbuf->len;
    bigger->start = rbuf->start;
    memcpy(es_rbuf_state(bigger), es_rbuf_state((es_rbuf *)rbuf), loop->rbuf_state_size);
    memcpy(bigger->data, rbuf->data, rbuf->len);
    return bigger;
}

es_wbuf *es_wbuf_reserve(es_loop *loop, es_wbuf *wbuf, uint32_t extra) {
    if (wbuf == NULL) {
        wbuf = loop->free_wbufs;
        if (wbuf != NULL && extra <= wbuf->cap) {
            loop->free_wbufs = wbuf->next_free;
            loop->free_wbuf_count--;
        } else {
            uint32_t cap = extra > ES_WBUF_STANDARD ? extra : ES_WBUF_STANDARD;
            wbuf = malloc(sizeof(es_wbuf) + cap);
            if (wbuf == NULL) return NULL;
            wbuf->cap = cap;
            wbuf->pooled = cap == ES_WBUF_STANDARD;
        }
        wbuf->len = wbuf->sent = 0;
        return wbuf;
    }
    if ((uint64_t)wbuf->len + extra <= wbuf->cap) return wbuf;
    /* Drop what was already sent before growing, so the buffer holds only what is due. */
    if (wbuf->sent > 0) {
        memmove(wbuf->data, wbuf->data + wbuf->sent, wbuf->len - wbuf->sent);
        wbuf->len -= wbuf->sent;
        wbuf->sent = 0;
        if ((uint64_t)wbuf->len + extra <= wbuf->cap) return wbuf;
    }
    uint64_t wanted = (uint64_t)wbuf->len + extra;
    if (wanted > UINT32_MAX / 2) return NULL; /* sizes stay well inside 32 bits */
    uint32_t cap = wbuf->cap * 2;
    if (cap < wanted) cap = (uint32_t)wanted;
    es_wbuf *bigger = malloc(sizeof(es_wbuf) + cap);
    if (bigger == NULL) return NULL;
    memcpy(bigger->data, wbuf->data, wbuf->len);
    bigger->cap = cap;
    bigger->len = wbuf->len;
    bigger->sent = 0;
    bigger->pooled = 0;
    es_wbuf_give(loop, wbuf);
    return bigger;
}

void es_wbuf_give(es_loop *loop, es_wbuf *wbuf) {
    if (wbuf->pooled && loop->free_wbuf_count < ES_POOL_MAX_FREE) {
        wbuf->next_free = loop->free_wbufs;
        loop->free_wbufs = wbuf;
        loop->free_wbuf_count++;
    } else {
        free(wbuf);
    }
}

void es_buffers_free_all(es_loop *loop) {
    while (loop->free_rbufs != NULL) {
        es_rbuf *next = loop->free_rbufs->next_free;
        free(loop->free_rbufs);
        loop->free_rbufs = next;
    }
    while (loop->free_wbufs != NULL) {
        es_wbuf *next = loop->free_wbufs->next_free;
        free(loop->free_wbufs);
        loop->free_wbufs = next;
    }
    loop->free_rbuf_count = loop->free_wbuf_count = 0;
}
