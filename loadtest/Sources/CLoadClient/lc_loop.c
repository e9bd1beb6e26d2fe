/*
 * lc_loop.c: the client loop: creation, pacing (closed and open loop), the run loop,
 * timeouts and counters (its samples: lc_samples.c).
 *
 * One iteration: send what is due (open loop), write what connections queued, check the
 * bounds, then sweep timeouts and reconnect (every few ms), hand samples over (every
 * flush_interval_ms), and wait for I/O until the next deadline. In the open loop a
 * timerfd wakes the loop at the next intended send time with nanosecond precision.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <nghttp2/nghttp2.h>
#include "lc_internal.h"

enum {
    LC_EVENTS_PER_WAIT = 256,
    LC_SWEEP_NS = 10 * 1000 * 1000,    /* timeouts and reconnects are checked this often */
    LC_MAX_WBUF = 64 * 1024 * 1024,    /* a connection's write buffer: a full pipeline */
    LC_BODY_LIMIT = 64 * 1024,         /* default body_limit */
    LC_ARENA_MIN = 1024 * 1024,        /* kept bodies between two on_samples calls, at least */
};

#define COUNT(loop, field, n) atomic_fetch_add_explicit(&(loop)->counters.field, (n), memory_order_relaxed)

uint64_t lc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

lc_loop_config lc_loop_config_default(void) {
    lc_loop_config config = {
        .host = "127.0.0.1",
        .port = 80,
        .connections = 1,
        .pipeline = 1,
        .timeout_ns = 5000000000ull,
        .read_buffer_size = 16 * 1024,
        .sample_batch = 4096,
        .flush_interval_ms = 100,
        .tls_verify = 1,
        .body_limit = LC_BODY_LIMIT,
        .trace_sampled_below = UINT64_MAX,
    };
    return config;
}

long lc_raise_fd_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return (long)limit.rlim_cur;
}

static int resolve(lc_loop *loop, const char *host, uint16_t port) {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&loop->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&loop->addr;
    memset(&loop->addr, 0, sizeof loop->addr);
    if (host != NULL && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        loop->addr_len = sizeof *v4;
        return 0;
    }
    if (host != NULL && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        loop->addr_len = sizeof *v6;
        return 0;
    }
    return -1;
}

/* A prepared copy of `count` stages ramping from `start`; NULL when they are invalid. */
static lc_stage *copy_stages(const lc_stage *stages, uint32_t count, double start) {
    if (stages == NULL || count > LC_MAX_STAGES) return NULL;
    lc_stage *copy = malloc(count * sizeof *copy);
    if (copy == NULL) return NULL;
    memcpy(copy, stages, count * sizeof *copy);
    if (lc_schedule_prepare_stages(start, copy, count) != 0) { free(copy); return NULL; }
    return copy;
}

lc_loop *lc_loop_create(const lc_loop_config *config) {
    if (config->connections == 0 || config->pipeline == 0 || config->request_count == 0 ||
        config->requests == NULL || config->timeout_ns == 0 || config->sample_batch == 0 ||
        config->read_buffer_size < 1024 || (config->max_requests == 0 && config->duration_ns == 0)) {
        errno = EINVAL;
        return NULL;
    }
    lc_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL) return NULL;
    loop->config = *config;
    loop->config.host = NULL; /* the caller's strings are not kept */
    loop->config.tls_server_name = NULL;
    loop->config.tls_ca_file = NULL;
    loop->epoll_fd = -1;
    loop->timer_fd = -1;
    if (resolve(loop, config->host, config->port) != 0) { free(loop); errno = EINVAL; return NULL; }
    loop->open_loop = lc_schedule_is_open(&config->schedule);
    loop->config.schedule.stages = NULL;
    loop->config.conn_stages = NULL;
    loop->active_conns = config->connections;
    if (config->schedule.stage_count > 0 &&
        (loop->stages = copy_stages(config->schedule.stages, config->schedule.stage_count,
                                    config->schedule.rate)) == NULL) { free(loop); errno = EINVAL; return NULL; }
    loop->config.schedule.stages = loop->stages;
    if (config->conn_stage_count > 0 &&
        (loop->conn_stages = copy_stages(config->conn_stages, config->conn_stage_count, config->conn_start)) == NULL) {
        free(loop->stages); free(loop); errno = EINVAL; return NULL;
    }
    loop->issue_limit = config->max_requests ? config->max_requests : UINT64_MAX;
    loop->send_until_ns = config->duration_ns ? config->start_ns + config->duration_ns : UINT64_MAX;
    loop->cursor = config->request_cursor % config->request_count;
    loop->conn_count = config->connections;
    for (uint32_t i = 0; i < config->request_count; i++)
        if (config->requests[i].len > loop->longest_request) loop->longest_request = config->requests[i].len;
    if ((uint64_t)loop->longest_request * config->pipeline > LC_MAX_WBUF) { lc_loop_destroy(loop); errno = EINVAL; return NULL; }
    for (uint32_t i = 0; i < config->request_count; i++) {
        const lc_request *request = &config->requests[i];
        if (request->flags & LC_REQUEST_KEEP_BODY) loop->keeps_bodies = 1;
        if (request->trace_offset != 0 && (request->trace_offset > request->len ||
                                           request->len - request->trace_offset < LC_TRACEPARENT_LEN)) {
            lc_loop_destroy(loop);
            errno = EINVAL;
            return NULL;
        }
    }
    if (loop->keeps_bodies && config->body_limit == 0) { lc_loop_destroy(loop); errno = EINVAL; return NULL; }
    loop->transport = config->tls ? &lc_tls_transport : &lc_tcp_transport;
    loop->protocol = (config->http2 && !config->tls) ? &lc_h2_protocol : &lc_http1_protocol;
    if (config->http2) {
        loop->h2_requests = lc_h2_requests_build(config->requests, config->request_count, config->tls);
        if (loop->h2_requests == NULL) { int saved = errno; lc_loop_destroy(loop); errno = saved; return NULL; }
        loop->h2_callbacks = lc_h2_callbacks_new(loop->keeps_bodies);
        if (loop->h2_callbacks == NULL) goto fail;
        size_t longest = 0;
        for (uint32_t i = 0; i < config->request_count; i++)
            if (loop->h2_requests[i].trace_field >= 0 && loop->h2_requests[i].nvlen > longest)
                longest = loop->h2_requests[i].nvlen;
        if (longest > 0) {
            loop->h2_nv = calloc(longest, sizeof(nghttp2_nv));
            if (loop->h2_nv == NULL) goto fail;
        }
    }
    if (config->tls) {
        loop->server_name = strdup(config->tls_server_name ? config->tls_server_name : config->host);
        if (loop->server_name == NULL) goto fail;
        loop->ssl_ctx = lc_tls_context_new(config);
        if (loop->ssl_ctx == NULL) { lc_loop_destroy(loop); errno = EPROTO; return NULL; }
    }
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->conns = calloc(loop->conn_count, sizeof *loop->conns);
    loop->dirty = calloc(loop->conn_count, sizeof *loop->dirty);
    loop->samples = calloc(config->sample_batch, sizeof *loop->samples);
    if (loop->epoll_fd < 0 || !loop->conns || !loop->dirty || !loop->samples) goto fail;
    if (loop->keeps_bodies) {
        loop->arena_cap = config->body_limit * 2u > LC_ARENA_MIN ? config->body_limit * 2u : LC_ARENA_MIN;
        loop->arena = malloc(loop->arena_cap);
        if (loop->arena == NULL) goto fail;
    }
    for (uint32_t i = 0; i < loop->conn_count; i++)
        if (lc_conn_init(loop, &loop->conns[i], i) != 0) goto fail;
    if (loop->open_loop) {
        loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &loop->timer_fd};
        if (loop->timer_fd < 0 || epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->timer_fd, &ev) != 0) goto fail;
    }
    return loop;
fail:
    lc_loop_destroy(loop);
    errno = ENOMEM;
    return NULL;
}

void lc_loop_destroy(lc_loop *loop) {
    if (loop == NULL) return;
    if (loop->conns != NULL)
        for (uint32_t i = 0; i < loop->conn_count; i++) lc_conn_free(&loop->conns[i]);
    if (loop->epoll_fd >= 0) close(loop->epoll_fd);
    if (loop->timer_fd >= 0) close(loop->timer_fd);
    lc_h2_requests_free(loop->h2_requests, loop->config.request_count);
    lc_h2_callbacks_free(loop->h2_callbacks);
    if (loop->ssl_ctx != NULL) lc_tls_context_free(loop->ssl_ctx);
    free(loop->server_name);
    free(loop->conns);
    free(loop->dirty);
    free(loop->samples);
    free(loop->stages);
    free(loop->conn_stages);
    free(loop->arena);
    free(loop->h2_nv);
    free(loop);
}

void lc_loop_set_start(lc_loop *loop, uint64_t start_ns) {
    loop->config.start_ns = start_ns;
    loop->config.schedule.start_ns = start_ns;
    loop->send_until_ns = loop->config.duration_ns ? start_ns + loop->config.duration_ns : UINT64_MAX;
}

void lc_loop_stop(lc_loop *loop) { atomic_store(&loop->stop_requested, 1); }

lc_loop_counters lc_loop_counters_read(const lc_loop *loop) {
    lc_loop_counters out = {
        .sent = atomic_load_explicit(&loop->counters.sent, memory_order_relaxed),
        .responses = atomic_load_explicit(&loop->counters.responses, memory_order_relaxed),
        .errors = atomic_load_explicit(&loop->counters.errors, memory_order_relaxed),
        .connects = atomic_load_explicit(&loop->counters.connects, memory_order_relaxed),
        .bytes_in = atomic_load_explicit(&loop->counters.bytes_in, memory_order_relaxed),
        .bytes_out = atomic_load_explicit(&loop->counters.bytes_out, memory_order_relaxed),
        .unsent = atomic_load_explicit(&loop->counters.unsent, memory_order_relaxed),
        .finished_ns = atomic_load_explicit(&loop->counters.finished_ns, memory_order_relaxed),
        .connects_h2 = atomic_load_explicit(&loop->counters.connects_h2, memory_order_relaxed),
        .tls_failures = atomic_load_explicit(&loop->counters.tls_failures, memory_order_relaxed),
        .trace_sampled = atomic_load_explicit(&loop->counters.trace_sampled, memory_order_relaxed),
    };
    return out;
}

/* ---- sending -------------------------------------------------------------------------- */

void lc_loop_mark_dirty(lc_loop *loop, lc_conn *conn) {
    if (conn->dirty) return;
    conn->dirty = 1;
    loop->dirty[loop->dirty_count++] = conn->index;
}

static void loop_flush_dirty(lc_loop *loop) {
    for (uint32_t i = 0; i < loop->dirty_count; i++) {
        lc_conn *conn = &loop->conns[loop->dirty[i]];
        conn->dirty = 0;
        lc_conn_flush(conn);
    }
    loop->dirty_count = 0;
}

static const lc_request *loop_next_request(const lc_loop *loop) { return &loop->config.requests[loop->cursor]; }

static void loop_take_request(lc_loop *loop) {
    loop->issued++;
    loop->cursor = loop->cursor + 1 == loop->config.request_count ? 0 : loop->cursor + 1;
}

/* Closed loop: keep the connection full. */
void lc_loop_conn_ready(lc_loop *loop, lc_conn *conn) {
    if (loop->open_loop || !loop->sending || !loop->started || conn->index >= loop->active_conns) return;
    uint64_t now = 0;
    while (loop->issued < loop->issue_limit && lc_conn_can_submit(conn, loop_next_request(loop))) {
        if (now == 0) now = lc_now_ns();
        if (lc_conn_submit(conn, loop->cursor, now) != 0) return;
        loop_take_request(loop);
    }
}

/* Open loop: this loop's requests due by `now` (and before the end of sending). */
static uint64_t loop_due(const lc_loop *loop, uint64_t now) {
    uint64_t until = now < loop->send_until_ns ? now : loop->send_until_ns - 1;
    uint64_t due = lc_schedule_due_count(&loop->config.schedule, until);
    return due < loop->issue_limit ? due : loop->issue_limit;
}

/* Sends each due request on the next connection with room; what finds none stays due and
   keeps its intended time, so its wait counts in its latency. */
static void loop_send_due(lc_loop *loop, uint64_t now) {
    uint64_t due = loop_due(loop, now);
    while (loop->issued < due) {
        const lc_request *request = loop_next_request(loop);
        lc_conn *conn = NULL;
        for (uint32_t tried = 0; tried < loop->active_conns; tried++) {
            if (loop->rr_cursor >= loop->active_conns) loop->rr_cursor = 0;
            lc_conn *candidate = &loop->conns[loop->rr_cursor];
            loop->rr_cursor = loop->rr_cursor + 1 == loop->active_conns ? 0 : loop->rr_cursor + 1;
            if (lc_conn_can_submit(candidate, request)) { conn = candidate; break; }
        }
        if (conn == NULL) return;
        if (lc_conn_submit(conn, loop->cursor, lc_schedule_intended_ns(&loop->config.schedule, loop->issued)) != 0) return;
        loop_take_request(loop);
    }
}

static void loop_arm_timer(lc_loop *loop, uint64_t at_ns) {
    if (loop->armed_ns == at_ns) return;
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
    spec.it_value.tv_nsec = (long)(at_ns % 1000000000u);
    timerfd_settime(loop->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL);
    loop->armed_ns = at_ns;
}

static void loop_stop_sending(lc_loop *loop, uint64_t now) {
    loop->sending = 0;
    loop->drain_deadline_ns = now + loop->config.timeout_ns;
    if (loop->open_loop) {
        uint64_t due = loop_due(loop, now);
        if (due > loop->issued) COUNT(loop, unsent, due - loop->issued);
    }
}

/* ---- the run ---------------------------------------------------------------------------- */

static uint32_t loop_inflight(const lc_loop *loop) {
    uint32_t total = 0;
    for (uint32_t i = 0; i < loop->conn_count; i++) total += loop->conns[i].inflight;
    return total;
}

/* Connection stages: the connections in use now. Those that come back into use and are
   still open are filled at once; the others connect in the sweep. */
static void loop_update_active(lc_loop *loop, uint64_t now) {
    if (loop->conn_stages == NULL) return;
    uint64_t offset = now > loop->config.start_ns ? now - loop->config.start_ns : 0;
    double value = lc_stages_value_at(loop->conn_stages, loop->config.conn_stage_count, offset);
    uint32_t active = value >= loop->conn_count ? loop->conn_count : (uint32_t)llround(value);
    uint32_t before = loop->active_conns;
    loop->active_conns = active;
    for (uint32_t i = before; i < active; i++) lc_loop_conn_ready(loop, &loop->conns[i]);
}

static void loop_sweep(lc_loop *loop, uint64_t now) {
    loop_update_active(loop, now);
    for (uint32_t i = 0; i < loop->conn_count; i++) {
        lc_conn *conn = &loop->conns[i];
        lc_conn_sweep(conn, now);
        if (i >= loop->active_conns) { /* parked: closed once nothing is in flight */
            if (conn->state != LC_CONN_IDLE && conn->inflight == 0) lc_conn_fail(conn, LC_ERROR_RESET);
            continue;
        }
        if (loop->sending && conn->state == LC_CONN_IDLE && now >= conn->retry_at_ns) lc_conn_connect(conn, now);
    }
    loop->next_sweep_ns = now + LC_SWEEP_NS;
}

static int loop_wait_ms(const lc_loop *loop, uint64_t now) {
    uint64_t next = loop->next_sweep_ns;
    uint64_t flush = loop->next_flush_ns;
    if (flush < next) next = flush;
    if (loop->sending) {
        if (loop->send_until_ns < next) next = loop->send_until_ns;
        if (!loop->open_loop && loop->config.start_ns > now && loop->config.start_ns < next) next = loop->config.start_ns;
    } else if (loop->drain_deadline_ns < next) {
        next = loop->drain_deadline_ns;
    }
    if (next <= now) return 0;
    return (int)((next - now + 999999) / 1000000);
}

int lc_loop_run(lc_loop *loop) {
    struct epoll_event events[LC_EVENTS_PER_WAIT];
    uint64_t flush_ns = (uint64_t)(loop->config.flush_interval_ms ? loop->config.flush_interval_ms : 100) * 1000000u;
    uint64_t now = lc_now_ns();
    loop->sending = 1;
    loop->next_flush_ns = now + flush_ns;
    loop_sweep(loop, now); /* connects every connection */
    for (;;) {
        now = lc_now_ns();
        if (loop->sending && !loop->started && now >= loop->config.start_ns) {
            loop->started = 1;
            for (uint32_t i = 0; i < loop->conn_count; i++) lc_loop_conn_ready(loop, &loop->conns[i]);
        }
        if (loop->sending && loop->started && loop->open_loop) loop_send_due(loop, now);
        loop_flush_dirty(loop);
        if (loop->sending && (atomic_load_explicit(&loop->stop_requested, memory_order_relaxed) ||
                              now >= loop->send_until_ns || loop->issued >= loop->issue_limit))
            loop_stop_sending(loop, now);
        if (!loop->sending) {
            if (loop_inflight(loop) == 0) break;
            if (now >= loop->drain_deadline_ns) {
                for (uint32_t i = 0; i < loop->conn_count; i++)
                    if (loop->conns[i].inflight > 0) lc_conn_fail(&loop->conns[i], LC_ERROR_TIMEOUT);
                break;
            }
        }
        if (now >= loop->next_sweep_ns) loop_sweep(loop, now);
        if (now >= loop->next_flush_ns) {
            lc_loop_flush_samples(loop);
            loop->next_flush_ns = now + flush_ns;
        }
        if (loop->open_loop && loop->sending) {
            uint64_t next = lc_schedule_intended_ns(&loop->config.schedule, loop->issued);
            if (next > now && next < loop->send_until_ns) loop_arm_timer(loop, next);
        }
        int n = epoll_wait(loop->epoll_fd, events, LC_EVENTS_PER_WAIT, loop_wait_ms(loop, now));
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == &loop->timer_fd) {
                uint64_t expirations;
                ssize_t ignored = read(loop->timer_fd, &expirations, sizeof expirations);
                (void)ignored;
                loop->armed_ns = 0;
                continue;
            }
            lc_conn_on_event(events[i].data.ptr, events[i].events);
        }
    }
    /* Nothing is in flight any more: this only closes the sockets. */
    for (uint32_t i = 0; i < loop->conn_count; i++)
        if (loop->conns[i].state != LC_CONN_IDLE) lc_conn_fail(&loop->conns[i], LC_ERROR_RESET);
    lc_loop_flush_samples(loop);
    atomic_store_explicit(&loop->counters.finished_ns, lc_now_ns(), memory_order_relaxed);
    return 0;
}
