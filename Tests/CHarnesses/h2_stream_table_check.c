/*
 * Checks es_h2_stream_table.c against a plain array: streams open and close in the order
 * an HTTP/2 client drives them (odd ids, rising, closed out of order, bursts that make the
 * table grow), and after every step each id the array holds is found, with its own
 * record, and each one it does not hold is not. Exits non-zero with a message on the
 * first mismatch. Built and run by ShimInternalsTests.swift, under AddressSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

enum { MAX_OPEN = 600, STEPS = 200000 };

static es_h2_stream records[MAX_OPEN];
static int open_ids[MAX_OPEN]; /* 0: the record is free */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next_random(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)rng;
}

static int check(const es_h2_stream_table *table, int32_t newest) {
    uint32_t open = 0;
    for (int i = 0; i < MAX_OPEN; i++) {
        if (open_ids[i] == 0) continue;
        open++;
        if (es_h2_streams_find(table, open_ids[i]) != &records[i]) {
            fprintf(stderr, "id %d: not found, or found with another record\n", open_ids[i]);
            return 1;
        }
    }
    if (open != table->slots_used) {
        fprintf(stderr, "table counts %u streams, %u are open\n", table->slots_used, open);
        return 1;
    }
    /* Ids that are not open: recent closed ones, future ones, even ones. */
    for (int32_t id = newest > 400 ? newest - 400 : 1; id <= newest + 40; id++) {
        int is_open = 0;
        for (int i = 0; i < MAX_OPEN && !is_open; i++) is_open = open_ids[i] == id;
        if (!is_open && es_h2_streams_find(table, id) != NULL) {
            fprintf(stderr, "id %d: found but not open\n", id);
            return 1;
        }
    }
    return 0;
}

int main(void) {
    es_h2_stream_table table;
    memset(&table, 0, sizeof table);
    if (es_h2_streams_find(&table, 1) != NULL) { fprintf(stderr, "empty table found a stream\n"); return 1; }
    int32_t next_id = 1;
    for (int step = 0; step < STEPS; step++) {
        /* Phases: mostly under 100 open, with bursts to a few hundred that force growth. */
        int target = (step / 5000) % 4 == 3 ? 500 : 100;
        int open = 0;
        for (int i = 0; i < MAX_OPEN; i++) open += open_ids[i] != 0;
        int do_open = open == 0 || (open < target && next_random() % 2 == 0);
        if (do_open) {
            int slot = -1;
            for (int i = 0; i < MAX_OPEN && slot < 0; i++) if (open_ids[i] == 0) slot = i;
            if (slot < 0) continue;
            records[slot].id = next_id;
            if (es_h2_streams_put(&table, &records[slot]) != 0) { fprintf(stderr, "put failed\n"); return 1; }
            open_ids[slot] = next_id;
            next_id += 2;
        } else {
            int pick = (int)(next_random() % MAX_OPEN);
            while (open_ids[pick] == 0) pick = (pick + 1) % MAX_OPEN;
            es_h2_streams_remove(&table, &records[pick]);
            es_h2_streams_remove(&table, &records[pick]); /* a second removal is a no-op */
            open_ids[pick] = 0;
        }
        if (step % 97 == 0 && check(&table, next_id) != 0) {
            fprintf(stderr, "at step %d\n", step);
            return 1;
        }
    }
    if (check(&table, next_id) != 0) return 1;
    es_h2_streams_free_table(&table);
    printf("stream table: %d steps, %d ids, checks passed\n", STEPS, (next_id - 1) / 2);
    return 0;
}
