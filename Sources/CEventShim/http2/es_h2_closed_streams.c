/*
 * es_h2_closed_streams.c: which client streams closed after the client had ended its side,
 * so that a DATA or HEADERS frame on one is answered with STREAM_CLOSED (RFC 9113 §5.1).
 *
 * nghttp2 answers those itself from the closed streams it keeps: on a server, up to
 * SETTINGS_MAX_CONCURRENT_STREAMS of them per connection, for RFC 7540 priorities. Under
 * load that is ~100 cold stream objects per connection, and looking them up, linking and
 * freeing them cost about 7% of the server's CPU per h2c request (benchmarks/h2-pair.sh
 * with BASELINE). The session turns that off (nghttp2_option_set_no_closed_streams) and
 * keeps one bit per client stream here instead, over the latest ES_H2_CLOSED_WINDOW ids;
 * a frame on an older stream is ignored, as nghttp2 ignored it once it had let the stream
 * go.
 *
 * The bit is set only when the client had ended its side: END_STREAM received, or its
 * RST_STREAM. A stream this server reset while the client was still sending stays clear,
 * because the client may have sent more before it saw the reset, and those frames must be
 * ignored (RFC 9113 §5.1, "closed").
 *
 * A HEADERS frame is checked in on_begin_frame. A DATA frame on a stream nghttp2 no longer
 * knows is dropped without any callback, so the bytes fed to nghttp2 are followed frame by
 * frame here (es_h2_scan_frames): each DATA frame's stream is checked once nghttp2 has
 * read everything before it, and before it reads the frame's header.
 */
#include <string.h>
#include "es_h2_internal.h"

static uint32_t bit_of(uint32_t id) { return (id >> 1) % ES_H2_CLOSED_WINDOW; }

/* Whether `id` (odd) is one of the latest ES_H2_CLOSED_WINDOW ids the client has used or
   passed over, whose bit is meaningful. */
static int in_window(const es_h2_closed_window *closed, uint32_t id) {
    return id < closed->next_id && (closed->next_id - id) / 2 <= ES_H2_CLOSED_WINDOW;
}

void es_h2_closed_advance(es_h2_closed_window *closed, uint32_t from, uint32_t to) {
    if ((to - from) / 2 >= ES_H2_CLOSED_WINDOW) {
        memset(closed->peer_closed, 0, sizeof closed->peer_closed);
        return;
    }
    for (uint32_t id = from; id < to; id += 2) {
        uint32_t bit = bit_of(id);
        closed->peer_closed[bit / 64] &= ~((uint64_t)1 << (bit % 64));
    }
}

void es_h2_closed_mark(es_h2_closed_window *closed, uint32_t id) {
    if ((id & 1) == 0 || !in_window(closed, id)) return;
    uint32_t bit = bit_of(id);
    closed->peer_closed[bit / 64] |= (uint64_t)1 << (bit % 64);
}

int es_h2_closed_by_peer(const es_h2_closed_window *closed, uint32_t id) {
    if ((id & 1) == 0 || !in_window(closed, id)) return 0;
    uint32_t bit = bit_of(id);
    return (closed->peer_closed[bit / 64] >> (bit % 64)) & 1;
}

size_t es_h2_scan_frames(es_h2_frame_scanner *scan, const uint8_t *data, size_t len, uint32_t *data_stream) {
    *data_stream = UINT32_MAX;
    size_t i = 0;
    while (i < len) {
        if (scan->skip > 0) {
            size_t skip = len - i < scan->skip ? len - i : scan->skip;
            scan->skip -= (uint32_t)skip;
            i += skip;
            continue;
        }
        const uint8_t *head;
        if (scan->head_len == 0 && len - i >= sizeof scan->head) {
            head = data + i; /* the whole header is here: read it in place */
            i += sizeof scan->head;
        } else {
            scan->head[scan->head_len++] = data[i++];
            if (scan->head_len < sizeof scan->head) continue;
            head = scan->head;
            scan->head_len = 0;
        }
        scan->skip = (uint32_t)head[0] << 16 | (uint32_t)head[1] << 8 | head[2];
        uint8_t type = head[3], flags = head[4];
        if (type == NGHTTP2_HEADERS || type == NGHTTP2_PUSH_PROMISE) {
            scan->in_header_block = !(flags & NGHTTP2_FLAG_END_HEADERS);
        } else if (type == NGHTTP2_CONTINUATION) {
            if (flags & NGHTTP2_FLAG_END_HEADERS) scan->in_header_block = 0;
        } else if (type == NGHTTP2_DATA && !scan->in_header_block && scan->skip <= ES_H2_MAX_FRAME_SIZE) {
            *data_stream = (uint32_t)(head[5] & 0x7f) << 24 | (uint32_t)head[6] << 16 | (uint32_t)head[7] << 8 | head[8];
            return i;
        }
    }
    return i;
}
