/*
 * es_health.c: what a loop measures of itself (es_loop.h, "Loop health"), read by a
 * watchdog thread and by metrics scrapes.
 *
 * The loop's part is in es_loop_run: one clock read before epoll_wait, the iteration's
 * length into a histogram, and `busy_since_ns` cleared before the wait and set after it.
 * Everything here runs rarely (a stall's record, the readers) or once per request or job
 * (Swift's publications: one store each). es_loop_publish_request is in es_loop.c, beside
 * the thread's current loop.
 */
#include "es_core.h"

const uint64_t es_health_bounds_ns[ES_HEALTH_BOUNDS] = {
    10000,     25000,     50000,     100000,    250000,    500000,    1000000,    2500000,
    5000000,   10000000,  25000000,  50000000,  100000000, 250000000, 500000000, 1000000000,
};

void es_loop_set_stall_threshold(es_loop *loop, uint64_t threshold_ns) {
    loop->health.stall_threshold_ns = threshold_ns == 0 ? UINT64_MAX : threshold_ns;
}

/* A seqlock around the latest stall: the watchdog reads the start and the length that
   belong together, and the count of stalls, in one consistent read. */
void es_health_record_stall(es_loop *loop, uint64_t start_ns, uint64_t length_ns) {
    es_loop_health *health = &loop->health;
    uint64_t sequence = atomic_load_explicit(&health->stall_sequence, memory_order_relaxed);
    atomic_store_explicit(&health->stall_sequence, sequence + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&health->last_stall_start_ns, start_ns, memory_order_relaxed);
    atomic_store_explicit(&health->last_stall_ns, length_ns, memory_order_relaxed);
    atomic_store_explicit(&health->stall_sequence, sequence + 2, memory_order_release);
}

void es_loop_watch(const es_loop *loop, es_loop_watch_sample *sample) {
    es_loop_health *health = (es_loop_health *)&loop->health;
    for (;;) {
        uint64_t sequence = atomic_load_explicit(&health->stall_sequence, memory_order_acquire);
        if (sequence & 1) continue;  /* the loop is writing a stall's record: a few stores */
        sample->last_stall_start_ns = atomic_load_explicit(&health->last_stall_start_ns, memory_order_relaxed);
        sample->last_stall_ns = atomic_load_explicit(&health->last_stall_ns, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&health->stall_sequence, memory_order_relaxed) != sequence) continue;
        sample->stalls = sequence / 2;
        break;
    }
    /* The tags count only if the iteration that busy_since names is still the one running
       after they were read: they are stored with release, after that iteration's start. */
    for (;;) {
        uint64_t busy = atomic_load_explicit(&health->busy_since_ns, memory_order_acquire);
        uint64_t request = atomic_load_explicit(&health->request_tag, memory_order_acquire);
        uint64_t task = atomic_load_explicit(&health->task_tag, memory_order_acquire);
        if (atomic_load_explicit(&health->busy_since_ns, memory_order_relaxed) != busy) continue;
        sample->busy_since_ns = busy;
        sample->request_tag = busy == 0 ? 0 : request;
        sample->task_tag = busy == 0 ? 0 : task;
        return;
    }
}

static void read_cells(const es_health_cells *cells, es_health_histogram *out) {
    for (int i = 0; i <= ES_HEALTH_BOUNDS; i++)
        out->counts[i] = atomic_load_explicit((_Atomic uint64_t *)&cells->counts[i], memory_order_relaxed);
    out->sum_ns = atomic_load_explicit((_Atomic uint64_t *)&cells->sum_ns, memory_order_relaxed);
}

void es_loop_histograms(const es_loop *loop, es_health_histogram *iterations, es_health_histogram *lag) {
    if (iterations != NULL) read_cells(&loop->health.iterations, iterations);
    if (lag != NULL) read_cells(&loop->health.lag, lag);
}

void es_loop_observe_lag(es_loop *loop, uint64_t late_ns) {
    es_health_observe(&loop->health.lag, late_ns);
}

void es_loop_clear_request(es_loop *loop) {
    atomic_store_explicit(&loop->health.request_tag, 0, memory_order_release);
}

void es_loop_publish_task(es_loop *loop, uint64_t tag) {
    atomic_store_explicit(&loop->health.task_tag, tag, memory_order_release);
}
