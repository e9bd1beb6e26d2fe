/*
 * lc_schedule.h: the open loop's intended send times.
 *
 * A run at `rate` requests per second has request g (0, 1, 2, ...) of the whole run due at
 * start + g / rate. With L loops, loop i sends g = i, i + L, i + 2L, ...: its request
 * number s is g = phase + s * stride, with phase = i and stride = L. The times are computed
 * from g each time, never accumulated, so they do not drift.
 */
#ifndef LC_SCHEDULE_H
#define LC_SCHEDULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One loop's slice of an open-loop schedule; rate 0 means closed loop. */
typedef struct lc_schedule {
    double rate;        /* requests per second, whole run */
    uint64_t start_ns;  /* monotonic time of g = 0 */
    uint32_t phase;     /* this loop's first g */
    uint32_t stride;    /* loops in the run (>= 1) */
} lc_schedule;

/** When this loop's request number `seq` is due, in monotonic ns. */
uint64_t lc_schedule_intended_ns(const lc_schedule *schedule, uint64_t seq);

/** How many of this loop's requests are due at `now_ns` (intended time <= now). */
uint64_t lc_schedule_due_count(const lc_schedule *schedule, uint64_t now_ns);

#ifdef __cplusplus
}
#endif
#endif /* LC_SCHEDULE_H */
