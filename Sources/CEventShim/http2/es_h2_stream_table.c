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

static uint32_t home(const es_h2_session *h2, int32_t id) {
    return ((uint32_t)id >> 1) & (h2->stream_slot_count - 1);
}

static int grow(es_h2_session *h2) {
    uint32_t old_count = h2->stream_slot_count;
    es_h2_stream_slot *old = h2->stream_slots;
    uint32_t count = old_count == 0 ? INITIAL_SLOTS : old_count * 2;
    es_h2_stream_slot *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    h2->stream_slots = slots;
    h2->stream_slot_count = count;
    h2->stream_slots_used = 0;
    for (uint32_t i = 0; i < old_count; i++)
        if (old[i].stream != NULL) es_h2_streams_put(h2, old[i].stream);
    free(old);
    return 0;
}

int es_h2_streams_put(es_h2_session *h2, es_h2_stream *stream) {
    if ((h2->stream_slots_used + 1) * 2 > h2->stream_slot_count && grow(h2) != 0) return -1;
    uint32_t mask = h2->stream_slot_count - 1;
    for (uint32_t i = home(h2, stream->id);; i = (i + 1) & mask) {
        es_h2_stream_slot *slot = &h2->stream_slots[i];
        if (slot->stream == NULL || slot->id == stream->id) {
            if (slot->stream == NULL) h2->stream_slots_used++;
            slot->id = stream->id;
            slot->stream = stream;
            return 0;
        }
    }
}

es_h2_stream *es_h2_streams_find(const es_h2_session *h2, int32_t id) {
    if (h2->stream_slot_count == 0) return NULL;
    uint32_t mask = h2->stream_slot_count - 1;
    for (uint32_t i = home(h2, id);; i = (i + 1) & mask) {
        const es_h2_stream_slot *slot = &h2->stream_slots[i];
        if (slot->stream == NULL) return NULL;
        if (slot->id == id) return slot->stream;
    }
}

void es_h2_streams_remove(es_h2_session *h2, const es_h2_stream *stream) {
    if (h2->stream_slot_count == 0) return;
    uint32_t mask = h2->stream_slot_count - 1;
    uint32_t i = home(h2, stream->id);
    for (;; i = (i + 1) & mask) {
        if (h2->stream_slots[i].stream == NULL) return; /* not in the table */
        if (h2->stream_slots[i].stream == stream) break;
    }
    /* Backward shift: pull later entries of the probe run into the hole, unless that would
       move one before its home slot. */
    for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        es_h2_stream_slot *next = &h2->stream_slots[j];
        if (next->stream == NULL) break;
        uint32_t want = home(h2, next->id);
        /* next may move to i when i lies cyclically in [want, j). */
        if (((j - want) & mask) >= ((j - i) & mask)) {
            h2->stream_slots[i] = *next;
            i = j;
        }
    }
    h2->stream_slots[i].stream = NULL;
    h2->stream_slots[i].id = 0;
    h2->stream_slots_used--;
}

void es_h2_streams_free_table(es_h2_session *h2) {
    free(h2->stream_slots);
    h2->stream_slots = NULL;
    h2->stream_slot_count = h2->stream_slots_used = 0;
}
