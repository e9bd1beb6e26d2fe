/*
 * es_timers.c: connection timeouts as one FIFO list per kind of timeout.
 *
 * Every connection on a list shares that list's timeout, so appending to the tail keeps
 * each list sorted by deadline: arming, disarming and finding the next expiry are O(1),
 * with no heap and no timerfd. A connection is on exactly one list at a time.
 */
#include <time.h>
#include "es_core.h"

uint64_t es_clock_continuous_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t es_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void es_timer_unlink(es_loop *loop, es_conn *conn) {
    es_timer_list *list = &loop->timers[conn->timer_kind];
    if (conn->timer_prev) conn->timer_prev->timer_next = conn->timer_next;
    else if (list->head == conn) list->head = conn->timer_next;
    if (conn->timer_next) conn->timer_next->timer_prev = conn->timer_prev;
    else if (list->tail == conn) list->tail = conn->timer_prev;
    conn->timer_prev = conn->timer_next = NULL;
}

/* Puts the connection on the `kind` list. A connection already there keeps its deadline
   unless `restart` asks for a fresh one (progress on a body read or a write). */
void es_timer_set(es_loop *loop, es_conn *conn, uint8_t kind, int restart) {
    if (conn->timer_kind == kind && !restart && (conn->timer_prev || loop->timers[kind].head == conn))
        return;
    es_timer_unlink(loop, conn);
    conn->timer_kind = kind;
    es_timer_list *list = &loop->timers[kind];
    conn->deadline_ms = list->timeout_ms ? loop->now_ms + list->timeout_ms : UINT64_MAX;
    conn->timer_prev = list->tail;
    conn->timer_next = NULL;
    if (list->tail) list->tail->timer_next = conn;
    else list->head = conn;
    list->tail = conn;
}

int es_timers_next_ms(es_loop *loop) {
    uint64_t next = UINT64_MAX;
    for (int kind = 0; kind < ES_TIMER_COUNT; kind++) {
        es_conn *head = loop->timers[kind].head;
        if (head != NULL && head->deadline_ms < next) next = head->deadline_ms;
    }
    if (next == UINT64_MAX) return -1;
    if (next <= loop->now_ms) return 0;
    uint64_t wait = next - loop->now_ms;
    return wait > 60000 ? 60000 : (int)wait;
}

void es_timers_expire(es_loop *loop) {
    for (int kind = 0; kind < ES_TIMER_COUNT; kind++) {
        es_timer_list *list = &loop->timers[kind];
        if (list->timeout_ms == 0) continue;
        while (list->head != NULL && list->head->deadline_ms <= loop->now_ms) {
            es_conn_on_timeout(list->head); /* always leaves the list or closes */
        }
    }
}
