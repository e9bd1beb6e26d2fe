/*
 * es_h2_stream_table.c: a session's open streams by id, for the callbacks that get only an
 * id from nghttp2.
 *
 * nghttp2's per-stream user data would do, but each get or set is a lookup in its stream
 * map, whose buckets are cold by the time a stream's next frame arrives; a request paid
 * five of them. Client stream ids are odd and rise, so `id / 2` modulo a power of two puts
 * the streams that are open together in neighbouring slots: linear probing, with deletion
 * by backward shift so that no tombstones build up. The table starts at 16 slots and
 * doubles when half full (at most 2 * SETTINGS_MAX_CONCURRENT_STREAMS, rounded up).
 */
#include <stdlib.h>
#include "es_h2_internal.h"

enum { INITIAL_SLOTS = 16 };

static uint32_t home(const es_h2_stream_table *table, int32_t id) {
    return ((uint32_t)id >> 1) & (table->slot_count - 1);
}

static int grow(es_h2_stream_table *table) {
    uint32_t old_count = table->slot_count;
    es_h2_stream_slot *old = table->slots;
    uint32_t count = old_count == 0 ? INITIAL_SLOTS : old_count * 2;
    es_h2_stream_slot *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    table->slots = slots;
    table->slot_count = count;
    table->slots_used = 0;
    for (uint32_t i = 0; i < old_count; i++)
        if (old[i].stream != NULL) es_h2_streams_put(table, old[i].stream);
    free(old);
    return 0;
}

int es_h2_streams_put(es_h2_stream_table *table, es_h2_stream *stream) {
    if ((table->slots_used + 1) * 2 > table->slot_count && grow(table) != 0) return -1;
    uint32_t mask = table->slot_count - 1;
    for (uint32_t i = home(table, stream->id);; i = (i + 1) & mask) {
        es_h2_stream_slot *slot = &table->slots[i];
        if (slot->stream == NULL || slot->id == stream->id) {
            if (slot->stream == NULL) table->slots_used++;
            slot->id = stream->id;
            slot->stream = stream;
            return 0;
        }
    }
}

es_h2_stream *es_h2_streams_find(const es_h2_stream_table *table, int32_t id) {
    if (table->slot_count == 0) return NULL;
    uint32_t mask = table->slot_count - 1;
    for (uint32_t i = home(table, id);; i = (i + 1) & mask) {
        const es_h2_stream_slot *slot = &table->slots[i];
        if (slot->stream == NULL) return NULL;
        if (slot->id == id) return slot->stream;
    }
}

void es_h2_streams_remove(es_h2_stream_table *table, const es_h2_stream *stream) {
    if (table->slot_count == 0) return;
    uint32_t mask = table->slot_count - 1;
    uint32_t i = home(table, stream->id);
    for (;; i = (i + 1) & mask) {
        if (table->slots[i].stream == NULL) return; /* not in the table */
        if (table->slots[i].stream == stream) break;
    }
    /* Backward shift: pull later entries of the probe run into the hole, unless that would
       move one before its home slot. */
    for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        es_h2_stream_slot *next = &table->slots[j];
        if (next->stream == NULL) break;
        uint32_t want = home(table, next->id);
        /* next may move to i when i lies cyclically in [want, j). */
        if (((j - want) & mask) >= ((j - i) & mask)) {
            table->slots[i] = *next;
            i = j;
        }
    }
    table->slots[i].stream = NULL;
    table->slots[i].id = 0;
    table->slots_used--;
}

void es_h2_streams_free_table(es_h2_stream_table *table) {
    free(table->slots);
    table->slots = NULL;
    table->slot_count = table->slots_used = 0;
}
