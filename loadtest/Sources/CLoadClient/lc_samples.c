/*
 * lc_samples.c: the loop's finished requests as samples: each filled in the loop's batch
 * (with the response's kept body copied into the loop's arena), and the batch handed to
 * the caller (on_samples) when it is full, every flush_interval_ms, and at the end. The
 * batch and the arena are the loop's, allocated at create; nothing here allocates.
 */
#include <stdatomic.h>
#include <string.h>
#include "lc_internal.h"

#define COUNT(loop, field, n) atomic_fetch_add_explicit(&(loop)->counters.field, (n), memory_order_relaxed)

void lc_loop_flush_samples(lc_loop *loop) {
    if (loop->sample_count == 0) return;
    loop->config.on_samples(loop->config.ctx, loop->samples, loop->sample_count);
    loop->sample_count = 0;
    loop->arena_len = 0; /* the bodies went with their samples */
}

/* Writes the next sample (the caller flushes a full batch after adding its own fields). */
static lc_sample *loop_fill(lc_loop *loop, uint64_t done_ns, uint64_t origin_ns, uint32_t request_index,
                            uint16_t status, lc_error_kind error) {
    lc_sample *sample = &loop->samples[loop->sample_count++];
    uint64_t start = loop->config.start_ns;
    /* An open-loop origin may be later than a connect error's time; such samples have no latency. */
    sample->latency_ns = origin_ns != 0 && done_ns > origin_ns ? done_ns - origin_ns : 0;
    sample->done_ms = done_ns > start ? (uint32_t)((done_ns - start) / 1000000u) : 0;
    sample->request_index = request_index;
    sample->status = status;
    sample->error = (uint8_t)error;
    sample->reserved = 0;
    sample->bytes_in = 0;
    sample->reserved2 = 0;
    uint64_t origin = origin_ns != 0 ? origin_ns : done_ns;
    sample->origin_ns = origin > start ? origin - start : 0;
    sample->trace_seq = 0;
    sample->body = NULL;
    sample->body_len = 0;
    sample->body_state = LC_BODY_NONE;
    if (error == LC_ERROR_NONE) COUNT(loop, responses, 1); else COUNT(loop, errors, 1);
    return sample;
}

void lc_loop_emit(lc_loop *loop, uint64_t done_ns, uint64_t origin_ns, uint32_t request_index, uint16_t status,
                  lc_error_kind error) {
    loop_fill(loop, done_ns, origin_ns, request_index, status, error);
    if (loop->sample_count == loop->config.sample_batch) lc_loop_flush_samples(loop);
}

void lc_loop_emit_slot(lc_loop *loop, uint64_t done_ns, const lc_inflight *slot, uint16_t status,
                       lc_error_kind error, const char *body) {
    const char *kept = NULL;
    if (body != NULL && !slot->body_too_large) {
        /* A full arena goes to Swift with the samples it belongs to, then starts over. */
        if (loop->arena_cap - loop->arena_len < slot->body_len) lc_loop_flush_samples(loop);
        kept = loop->arena + loop->arena_len;
        if (slot->body_len > 0) memcpy(loop->arena + loop->arena_len, body, slot->body_len);
        loop->arena_len += slot->body_len;
    }
    lc_sample *sample = loop_fill(loop, done_ns, slot->start_ns, slot->request_index, status, error);
    sample->trace_seq = slot->trace_seq;
    sample->bytes_in = slot->bytes_in;
    if (body != NULL) {
        sample->body_state = slot->body_too_large ? LC_BODY_TOO_LARGE : LC_BODY_KEPT;
        sample->body = kept;
        sample->body_len = kept != NULL ? slot->body_len : 0;
    }
    if (loop->sample_count == loop->config.sample_batch) lc_loop_flush_samples(loop);
}
