/*
 * Checks es_h2_closed_streams.c:
 *   - es_h2_scan_frames, against frame boundaries known in advance: a client preface and
 *     random frames (DATA among others, payloads up to 300 bytes, now and then one longer
 *     than SETTINGS_MAX_FRAME_SIZE) are cut into random chunks, down to one byte, and every
 *     DATA frame that nghttp2 would not reject for its own reason (inside a header block,
 *     too long) must be reported once, with its stream, exactly after its header's last
 *     byte;
 *   - the closed-stream bits, against a plain list: the client's ids advance (one at a
 *     time, with gaps, and with jumps past the whole window), random recent streams are
 *     marked, and every id up to the newest must read as marked exactly when the list has
 *     it and it is still within ES_H2_CLOSED_WINDOW streams.
 * Exits non-zero with a message on the first mismatch. Built and run by
 * ShimInternalsTests.swift, under AddressSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

static uint64_t rng = 0x2545f4914f6cdd1du;
static uint32_t next_random(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)rng;
}

enum { STREAM_BYTES = 1 << 16, MAX_FRAMES = 4096 };

static uint8_t wire[STREAM_BYTES];
static size_t data_ends[MAX_FRAMES];   /* offset just past each DATA header's last byte */
static uint32_t data_streams[MAX_FRAMES];

static int check_scanning(int round) {
    static const uint8_t types[] = {NGHTTP2_DATA, NGHTTP2_HEADERS, NGHTTP2_SETTINGS, NGHTTP2_WINDOW_UPDATE,
                                    NGHTTP2_PING, NGHTTP2_RST_STREAM, NGHTTP2_DATA, NGHTTP2_CONTINUATION};
    size_t len = 24, data_count = 0;
    int in_header_block = 0;
    memset(wire, 'P', 24); /* stands for the client preface: the scanner only counts it */
    while (len + 9 + ES_H2_MAX_FRAME_SIZE + 100 < sizeof wire && data_count < MAX_FRAMES) {
        uint32_t payload = next_random() % 8 == 0 ? 0 : next_random() % 301;
        uint8_t type = types[next_random() % sizeof types];
        if (type == NGHTTP2_DATA && next_random() % 50 == 0) payload = ES_H2_MAX_FRAME_SIZE + 1 + next_random() % 64;
        uint32_t stream = next_random() & 0x7fffffff;
        uint8_t *head = wire + len;
        head[0] = (uint8_t)(payload >> 16); head[1] = (uint8_t)(payload >> 8); head[2] = (uint8_t)payload;
        head[3] = type;
        head[4] = (uint8_t)next_random();
        /* The reserved bit is set now and then: it is not part of the id. */
        head[5] = (uint8_t)(stream >> 24) | (next_random() % 4 == 0 ? 0x80 : 0);
        head[6] = (uint8_t)(stream >> 16); head[7] = (uint8_t)(stream >> 8); head[8] = (uint8_t)stream;
        len += 9;
        uint8_t flags = head[4];
        if (type == NGHTTP2_HEADERS) in_header_block = !(flags & NGHTTP2_FLAG_END_HEADERS);
        if (type == NGHTTP2_CONTINUATION && (flags & NGHTTP2_FLAG_END_HEADERS)) in_header_block = 0;
        if (type == NGHTTP2_DATA && !in_header_block && payload <= ES_H2_MAX_FRAME_SIZE) {
            data_ends[data_count] = len;
            data_streams[data_count++] = stream;
        }
        /* Payload bytes that look like frame headers, to catch a scanner that reads them. */
        for (uint32_t i = 0; i < payload; i++) wire[len + i] = (uint8_t)(i % 9 == 3 ? NGHTTP2_DATA : next_random());
        len += payload;
    }
    es_h2_frame_scanner scan;
    memset(&scan, 0, sizeof scan);
    scan.skip = 24;
    size_t offset = 0, found = 0;
    while (offset < len) {
        size_t chunk = next_random() % 4 == 0 ? 1 + next_random() % 3 : 1 + next_random() % 700;
        if (chunk > len - offset) chunk = len - offset;
        size_t done = 0;
        while (done < chunk) {
            uint32_t stream;
            done += es_h2_scan_frames(&scan, wire + offset + done, chunk - done, &stream);
            if (stream == UINT32_MAX) {
                if (done != chunk) { fprintf(stderr, "round %d: scanner stopped early\n", round); return 1; }
                break;
            }
            if (found == data_count || offset + done != data_ends[found] || stream != data_streams[found]) {
                fprintf(stderr, "round %d: DATA reported at %zu (stream %u), expected DATA #%zu at %zu (stream %u)\n",
                        round, offset + done, stream, found, found < data_count ? data_ends[found] : 0,
                        found < data_count ? data_streams[found] : 0);
                return 1;
            }
            found++;
        }
        offset += chunk;
    }
    if (found != data_count) {
        fprintf(stderr, "round %d: %zu DATA frames reported, %zu sent\n", round, found, data_count);
        return 1;
    }
    return 0;
}

enum { MAX_ID = 200000 };
static uint8_t marked[MAX_ID + 64];

static int check_bits(void) {
    es_h2_closed_window window;
    memset(&window, 0, sizeof window);
    memset(marked, 0, sizeof marked);
    window.next_id = 1;
    while (window.next_id < MAX_ID) {
        /* The client opens the next id, skips some, or jumps past the whole window. */
        uint32_t roll = next_random() % 100;
        uint32_t gap = roll < 80 ? 0 : roll < 98 ? 2 * (next_random() % 20) : 2 * (ES_H2_CLOSED_WINDOW + next_random() % 50);
        uint32_t id = window.next_id + gap;
        if (id + 2 >= MAX_ID) break;
        es_h2_closed_advance(&window, window.next_id, id + 2);
        window.next_id = id + 2;
        /* Streams close out of order: mark a few recent ids, and some outside the window. */
        for (int k = 0; k < 2; k++) {
            uint32_t back = 2 * (next_random() % (ES_H2_CLOSED_WINDOW + 40));
            if (back >= window.next_id) continue;
            uint32_t closed = window.next_id - 2 - back;
            es_h2_closed_mark(&window, closed);
            if ((window.next_id - closed) / 2 <= ES_H2_CLOSED_WINDOW) marked[closed] = 1;
        }
        uint32_t lowest = window.next_id > 2 * ES_H2_CLOSED_WINDOW + 100 ? window.next_id - 2 * ES_H2_CLOSED_WINDOW - 100 : 1;
        for (uint32_t probe = lowest; probe < window.next_id + 20; probe++) {
            int in_window = (probe & 1) && probe < window.next_id &&
                            (window.next_id - probe) / 2 <= ES_H2_CLOSED_WINDOW;
            int expected = in_window && marked[probe];
            if (es_h2_closed_by_peer(&window, probe) != expected) {
                fprintf(stderr, "id %u (newest %u): reads %d, expected %d\n", probe, window.next_id - 2,
                        !expected, expected);
                return 1;
            }
        }
    }
    return 0;
}

int main(void) {
    for (int round = 0; round < 40; round++)
        if (check_scanning(round) != 0) return 1;
    if (check_bits() != 0) return 1;
    printf("closed-stream checks passed\n");
    return 0;
}
