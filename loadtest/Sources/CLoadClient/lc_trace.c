/*
 * lc_trace.c: W3C trace context for --trace. Each request sent gets its own traceparent,
 * "00-" trace id "-" parent id "-" flags, made from the loop's prefix and the request's
 * number in the loop (lc_inflight.trace_seq): the trace id is the prefix followed by a
 * bijective mix of the number (never repeated within a loop), the parent id a mix of the
 * trace id, and the sampled flag is set when the id's last 8 bytes fall below
 * trace_sampled_below. The same function rebuilds a sample's traceparent for the report.
 */
#include <string.h>
#include "lc_internal.h"

/* splitmix64: a bijection of 64-bit values (distinct seqs give distinct ids); 0 does not map to 0. */
static uint64_t mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void hex16(uint64_t value, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = digits[value & 0xF];
        value >>= 4;
    }
}

static int trace_sampled(uint64_t low, uint64_t sampled_below) {
    return sampled_below == UINT64_MAX || low < sampled_below;
}

void lc_trace_format(uint64_t prefix, uint64_t seq, uint64_t sampled_below, char *out) {
    uint64_t low = mix64(seq);
    uint64_t span = mix64(low ^ prefix);
    if (span == 0) span = 1; /* an all-zero parent id is invalid */
    int sampled = trace_sampled(low, sampled_below);
    memcpy(out, "00-", 3);
    hex16(prefix, out + 3);
    hex16(low, out + 19);
    out[35] = '-';
    hex16(span, out + 36);
    out[52] = '-';
    out[53] = '0';
    out[54] = sampled ? '1' : '0';
}

void lc_loop_trace(const lc_loop *loop, uint64_t seq, char *out) {
    lc_trace_format(loop->config.trace_prefix, seq, loop->config.trace_sampled_below, out);
}

int lc_loop_trace_sampled(const lc_loop *loop, uint64_t seq) {
    return trace_sampled(mix64(seq), loop->config.trace_sampled_below);
}
