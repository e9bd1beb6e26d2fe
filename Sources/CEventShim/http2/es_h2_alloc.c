/*
 * es_h2_alloc.c: the memory nghttp2 allocates, from per-loop free lists.
 *
 * A session allocates and frees a handful of small blocks per stream (the stream, the
 * outgoing frames' items, a copy of the response's header list). With hundreds of streams
 * in flight per loop, glibc's per-thread cache (seven blocks per size) overflows and most
 * of those calls take its slower paths. A session lives and dies on its loop's thread, so
 * its blocks come from free lists kept per loop (es_h2_pools), without locks: six size classes up to
 * 2 KB, each list capped in bytes; larger blocks go to malloc.
 *
 * Every block starts with a 16-byte header (which keeps the caller's memory 16-byte
 * aligned, as malloc's is) holding its class, and for a large block its size.
 */
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

enum { HEADER = 16, LARGE = 0xff, LIST_BYTES_MAX = 256 * 1024 };

typedef struct block_header {
    uint32_t size_class;            /* index into class_bytes, or LARGE */
    uint32_t unused;
    uint64_t large_size;            /* the caller's size, for LARGE blocks */
} block_header;

typedef struct free_block {
    struct free_block *next;
} free_block;

/* What the caller may use of a block of each class. */
static const uint32_t class_bytes[ES_H2_ALLOC_CLASSES] = {48, 112, 240, 496, 1008, 2032};

static int class_for(size_t size) {
    for (int c = 0; c < ES_H2_ALLOC_CLASSES; c++)
        if (size <= class_bytes[c]) return c;
    return -1;
}

static void *block_malloc(size_t size, void *user_data) {
    es_h2_pools *pools = user_data;
    int c = class_for(size);
    block_header *header;
    if (c < 0) {
        header = malloc(HEADER + size);
        if (header == NULL) return NULL;
        header->size_class = LARGE;
        header->large_size = size;
        return (char *)header + HEADER;
    }
    free_block *reused = (free_block *)pools->free_blocks[c];
    if (reused != NULL) {
        pools->free_blocks[c] = reused->next;
        pools->free_block_count[c]--;
        header = (block_header *)reused;
    } else {
        header = malloc(HEADER + class_bytes[c]);
        if (header == NULL) return NULL;
    }
    header->size_class = (uint32_t)c;
    return (char *)header + HEADER;
}

static void block_free(void *ptr, void *user_data) {
    if (ptr == NULL) return;
    es_h2_pools *pools = user_data;
    block_header *header = (block_header *)((char *)ptr - HEADER);
    uint32_t c = header->size_class;
    if (c == LARGE || pools->free_block_count[c] * (HEADER + class_bytes[c]) >= LIST_BYTES_MAX) {
        free(header);
        return;
    }
    free_block *block = (free_block *)header;
    block->next = pools->free_blocks[c];
    pools->free_blocks[c] = block;
    pools->free_block_count[c]++;
}

static void *block_calloc(size_t count, size_t size, void *user_data) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    void *ptr = block_malloc(count * size, user_data);
    if (ptr != NULL) memset(ptr, 0, count * size);
    return ptr;
}

static void *block_realloc(void *ptr, size_t size, void *user_data) {
    if (ptr == NULL) return block_malloc(size, user_data);
    block_header *header = (block_header *)((char *)ptr - HEADER);
    size_t usable = header->size_class == LARGE ? header->large_size : class_bytes[header->size_class];
    if (header->size_class != LARGE && size <= usable) return ptr;
    void *grown = block_malloc(size, user_data);
    if (grown == NULL) return NULL;
    memcpy(grown, ptr, usable < size ? usable : size);
    block_free(ptr, user_data);
    return grown;
}

nghttp2_mem es_h2_alloc_mem(es_h2_pools *pools) {
    return (nghttp2_mem){pools, block_malloc, block_free, block_calloc, block_realloc};
}

void es_h2_alloc_free_all(es_h2_pools *pools) {
    for (int c = 0; c < ES_H2_ALLOC_CLASSES; c++) {
        while (pools->free_blocks[c] != NULL) {
            free_block *next = ((free_block *)pools->free_blocks[c])->next;
            free(pools->free_blocks[c]);
            pools->free_blocks[c] = next;
        }
        pools->free_block_count[c] = 0;
    }
}
