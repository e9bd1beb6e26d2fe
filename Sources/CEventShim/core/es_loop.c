/*
 * es_loop.c: the epoll loop itself: creation, the run loop, wake-ups and shutdown.
 *
 * One iteration: wait for I/O (bounded by the nearest connection timeout and Swift's next
 * timer), handle the ready fds, accept, let Swift run its jobs (on_tick), drive the
 * connections whose responses Swift produced in that tick, then expire timeouts.
 *
 * Its health (es_health.c) costs each iteration one clock read before epoll_wait (the wake
 * time is read anyway), a bucket search and two stores into its histogram, a compare with
 * the stall threshold, and two stores of busy_since_ns: no lock, no other syscall.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "es_core.h"

enum { ES_EVENTS_PER_WAIT = 256, ES_LINGER_TIMEOUT_MS = 2000, ES_MIN_RBUF = 32 * 1024 };

static _Thread_local es_loop *current_loop;

es_loop_config es_loop_config_default(void) {
    es_loop_config config = {
        .limits = es_request_limits_default(),
        .header_timeout_ms = 10000,
        .body_timeout_ms = 30000,
        .idle_timeout_ms = 60000,
        .write_timeout_ms = 30000,
        .max_connections = 0,
        .handshake_timeout_ms = 10000,
        .h2_max_concurrent_streams = 100,
        .h2_max_header_list = 16384,
        .h2c = 1,
        .server_name = "orders",
    };
    return config;
}

es_loop *es_loop_new(const es_loop_config *config, int listen_fd, const es_loop_callbacks *callbacks,
                     const es_protocol *const protocols[ES_PROTOCOLS]) {
    /* The loop holds 64-byte-aligned members (the health block, the wake flag), which
     * calloc's 16-byte alignment does not give them. */
    es_loop *loop = NULL;
    if (posix_memalign((void **)&loop, _Alignof(es_loop), sizeof *loop) != 0) return NULL;
    memset(loop, 0, sizeof *loop);
    size_t state_size = 0;
    for (int i = 0; i < ES_PROTOCOLS; i++) {
        loop->protocols[i] = protocols[i];
        if (protocols[i] != NULL && protocols[i]->rbuf_state_size != NULL) {
            size_t size = protocols[i]->rbuf_state_size(config);
            if (size > state_size) state_size = size;
        }
    }
    if (state_size > UINT32_MAX / 2) { free(loop); return NULL; }
    loop->rbuf_state_size = (uint32_t)((state_size + 15) & ~(size_t)15);
    loop->config = *config;
    if (loop->config.server_name == NULL) loop->config.server_name = "orders";
    loop->server_name_len = strlen(loop->config.server_name);
    loop->callbacks = *callbacks;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake.io_kind = ES_IO_WAKE;
    loop->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (int i = 0; i < ES_MAX_LISTENERS; i++) {
        loop->listeners[i].io_kind = ES_IO_LISTENER;
        loop->listeners[i].fd = -1;
    }
    loop->listeners[0].fd = listen_fd;
    loop->listener_count = 1;
    loop->date_second = -1;
    loop->health.stall_threshold_ns = UINT64_MAX;
    /* A standard read buffer holds any head the limits allow, plus room for a small body. */
    const es_request_limits *limits = &loop->config.limits;
    uint64_t head_max = (uint64_t)limits->max_request_line + limits->max_header_block + 64;
    loop->rbuf_cap = head_max * 2 > ES_MIN_RBUF ? (uint32_t)(head_max * 2) : ES_MIN_RBUF;
    loop->timers[ES_TIMER_HEAD].timeout_ms = config->header_timeout_ms;
    loop->timers[ES_TIMER_BODY].timeout_ms = config->body_timeout_ms;
    loop->timers[ES_TIMER_IDLE].timeout_ms = config->idle_timeout_ms;
    loop->timers[ES_TIMER_WRITE].timeout_ms = config->write_timeout_ms;
    loop->timers[ES_TIMER_LINGER].timeout_ms = ES_LINGER_TIMEOUT_MS;
    loop->timers[ES_TIMER_HANDSHAKE].timeout_ms = config->handshake_timeout_ms;
    if (loop->epoll_fd < 0 || loop->wake.fd < 0) goto fail;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = &loop->listeners[0]};
    if (listen_fd >= 0 && epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) goto fail;
    ev.data.ptr = &loop->wake;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake.fd, &ev) != 0) goto fail;
    /* connections may have queued before registration */
    loop->listeners[0].readable = listen_fd >= 0;
    loop->listener_readable = listen_fd >= 0;
    loop->now_ms = es_now_ms();
    loop->woke_ns = es_clock_continuous_ns();
    es_date_refresh(loop);
    return loop;
fail:
    if (loop->epoll_fd >= 0) close(loop->epoll_fd);
    if (loop->wake.fd >= 0) close(loop->wake.fd);
    free(loop);
    return NULL;
}

int es_loop_add_tls_listener(es_loop *loop, int listen_fd, es_tls_context *tls) {
    es_listener *listener = NULL;
    /* The first slot is empty when the loop serves TLS only (created with listen_fd -1). */
    if (loop->listeners[0].fd < 0) listener = &loop->listeners[0];
    else if (loop->listener_count < ES_MAX_LISTENERS) listener = &loop->listeners[loop->listener_count++];
    if (listener == NULL || tls == NULL) return -1;
    listener->fd = listen_fd;
    listener->tls = tls;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = listener};
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
        listener->fd = -1;
        return -1;
    }
    listener->readable = 1;
    loop->listener_readable = 1;
    return 0;
}

es_loop *es_loop_current(void) { return current_loop; }

void es_loop_publish_request(uint64_t tag) {
    es_loop *loop = current_loop;
    if (loop != NULL) atomic_store_explicit(&loop->health.request_tag, tag, memory_order_release);
}

void *es_loop_current_ctx(void) { return current_loop ? current_loop->callbacks.ctx : NULL; }

void es_thread_set_name(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof short_name - 1);
    short_name[sizeof short_name - 1] = '\0';
    pthread_setname_np(pthread_self(), short_name);
}

int es_thread_set_nice(int nice) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    return setpriority(PRIO_PROCESS, (id_t)tid, nice) == 0 ? 0 : -errno;
}

int es_thread_set_idle_policy(void) {
    struct sched_param param = {.sched_priority = 0};
    int r = pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
    return -r;
}

long es_raise_fd_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return (long)limit.rlim_cur;
}

int es_available_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}

void es_loop_wake(es_loop *loop) {
    if (atomic_exchange_explicit(&loop->wake_pending, 1, memory_order_acq_rel) == 0) {
        uint64_t one = 1;
        ssize_t ignored = write(loop->wake.fd, &one, sizeof one);
        (void)ignored;
    }
}

void es_loop_request_shutdown(es_loop *loop) {
    atomic_store(&loop->shutdown_requested, 1);
    es_loop_wake(loop);
}

void es_loop_force_close(es_loop *loop) {
    atomic_store(&loop->force_requested, 1);
    es_loop_wake(loop);
}

uint32_t es_loop_connection_count(const es_loop *loop) {
    return atomic_load_explicit(&loop->connection_count, memory_order_relaxed);
}

/* Applies `action` to every connection; each is on exactly one timer list. */
static void loop_for_each_conn(es_loop *loop, void (*action)(es_conn *)) {
    for (int kind = 0; kind < ES_TIMER_COUNT; kind++) {
        es_conn *conn = loop->timers[kind].head;
        while (conn != NULL) {
            es_conn *next = conn->timer_next;
            action(conn);
            conn = next;
        }
    }
}

static void loop_begin_shutdown(es_loop *loop) {
    loop->shutting_down = 1;
    for (uint32_t i = 0; i < ES_MAX_LISTENERS; i++) {
        es_listener *listener = &loop->listeners[i];
        if (listener->fd < 0) continue;
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, listener->fd, NULL);
        close(listener->fd);
        listener->fd = -1;
        listener->readable = 0;
    }
    loop->listener_readable = 0;
    loop_for_each_conn(loop, es_conn_begin_shutdown);
}

/* Puts a connection whose response arrived later on the loop's list to drive. */
void es_conn_schedule(es_conn *conn) {
    if (conn->pending) return;
    es_loop *loop = conn->loop;
    conn->pending = 1;
    conn->pending_next = NULL;
    if (loop->pending_tail) loop->pending_tail->pending_next = conn;
    else loop->pending_head = conn;
    loop->pending_tail = conn;
}

/* Drives every scheduled connection once, in the order they were scheduled. */
static void loop_drive_pending(es_loop *loop) {
    es_conn *conn = loop->pending_head;
    loop->pending_head = loop->pending_tail = NULL;
    while (conn != NULL) {
        es_conn *next = conn->pending_next;
        conn->pending = 0;
        conn->pending_next = NULL;
        es_conn_drive(conn); /* may free conn */
        conn = next;
    }
}

/* An iteration ends: its length into the histogram, a stall's record when it lasted the
   threshold or longer, and the loop marked as waiting. */
static inline void loop_iteration_end(es_loop *loop, uint64_t end_ns) {
    uint64_t length = end_ns > loop->woke_ns ? end_ns - loop->woke_ns : 0;
    es_health_observe(&loop->health.iterations, length);
    if (__builtin_expect(length >= loop->health.stall_threshold_ns, 0)) es_health_record_stall(loop, loop->woke_ns, length);
    atomic_store_explicit(&loop->health.busy_since_ns, 0, memory_order_release);
}

int es_loop_run(es_loop *loop) {
    current_loop = loop;
    struct epoll_event events[ES_EVENTS_PER_WAIT];
    int swift_wait_ms = -1;
    loop->woke_ns = es_clock_continuous_ns();
    atomic_store_explicit(&loop->health.busy_since_ns, loop->woke_ns, memory_order_release);
    for (;;) {
        if (atomic_load_explicit(&loop->force_requested, memory_order_relaxed)) {
            loop_begin_shutdown(loop);
            loop_for_each_conn(loop, es_conn_force_close);
            break;
        }
        if (!loop->shutting_down && atomic_load_explicit(&loop->shutdown_requested, memory_order_relaxed))
            loop_begin_shutdown(loop);
        if (loop->shutting_down && es_loop_connection_count(loop) == 0) break;

        int wait_ms = es_timers_next_ms(loop);
        if (swift_wait_ms >= 0 && (wait_ms < 0 || swift_wait_ms < wait_ms)) wait_ms = swift_wait_ms;
        if (loop->listener_readable || loop->pending_head != NULL) wait_ms = 0;
        loop_iteration_end(loop, es_clock_continuous_ns());
        int n = epoll_wait(loop->epoll_fd, events, ES_EVENTS_PER_WAIT, wait_ms);
        if (n < 0 && errno != EINTR) break;
        loop->now_ms = es_now_ms();
        loop->woke_ns = es_clock_continuous_ns();
        atomic_store_explicit(&loop->health.busy_since_ns, loop->woke_ns, memory_order_release);
        es_date_refresh(loop);
        for (int i = 0; i < n; i++) {
            uint8_t kind = *(uint8_t *)events[i].data.ptr;
            if (kind == ES_IO_CONN) {
                es_conn_on_event(events[i].data.ptr, events[i].events);
            } else if (kind == ES_IO_LISTENER) {
                ((es_listener *)events[i].data.ptr)->readable = 1;
                loop->listener_readable = 1;
            } else {
                uint64_t count;
                ssize_t ignored = read(loop->wake.fd, &count, sizeof count);
                (void)ignored;
                atomic_store_explicit(&loop->wake_pending, 0, memory_order_release);
            }
        }
        if (loop->listener_readable && !loop->shutting_down) es_conn_accept_all(loop);
        /* Driving a connection can dispatch its next pipelined request, whose handler may
           queue jobs or timers: let Swift see them before the loop sleeps again. */
        swift_wait_ms = loop->callbacks.on_tick(loop->callbacks.ctx);
        for (int round = 0; round < 16 && loop->pending_head != NULL; round++) {
            loop_drive_pending(loop);
            swift_wait_ms = loop->callbacks.on_tick(loop->callbacks.ctx);
        }
        es_timers_expire(loop);
    }
    /* A loop that has returned is not stalled. */
    atomic_store_explicit(&loop->health.busy_since_ns, 0, memory_order_release);
    current_loop = NULL;
    return 0;
}

void es_loop_destroy(es_loop *loop) {
    for (uint32_t i = 0; i < ES_MAX_LISTENERS; i++)
        if (loop->listeners[i].fd >= 0) close(loop->listeners[i].fd);
    close(loop->wake.fd);
    close(loop->epoll_fd);
    for (uint32_t i = 0; i < loop->free_hook_count; i++) loop->free_hooks[i](loop);
    es_buffers_free_all(loop);
    free(loop);
}

int es_loop_add_free_hook(es_loop *loop, es_loop_free_hook hook) {
    for (uint32_t i = 0; i < loop->free_hook_count; i++)
        if (loop->free_hooks[i] == hook) return 0;
    if (loop->free_hook_count == ES_LOOP_FREE_HOOKS) return -1;
    loop->free_hooks[loop->free_hook_count++] = hook;
    return 0;
}
