/*
 * lc_schedule.h: the open loop's intended send times.
 *
 * A run at `rate` requests per second has request g (0, 1, 2, ...) of the whole run due at
 * start + g / rate. With L loops, loop i sends g = i, i + L, i + 2L, ...: its request
 * number s is g = phase + s * stride, with phase = i and stride = L. The times are computed
 * from g each time, never accumulated, so they do not drift.
 *
 * Stages (stage_count > 0): the rate ramps linearly over each stage, from the previous
 * stage's target (the first from `rate`, which may be 0) to the stage's own. The
 * cumulative arrival count N(t) = integral of the rate from 0 to t is then piecewise
 * quadratic, and request g is due at the t where N(t) = g (its inverse, solved per stage
 * in closed form). Requests with g >= N(end) are never due. lc_schedule_prepare_stages()
 * computes each stage's constants once, before the run; the run only reads them.
 */
#ifndef LC_SCHEDULE_H
#define LC_SCHEDULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One stage of a ramp: the caller sets duration_ns and target; the rest is computed. */
typedef struct lc_stage {
    uint64_t duration_ns;    /* the stage's length; 0 is a step to `target` */
    double target;           /* value (requests/s, or connections) at the stage's end; >= 0 */
    /* Set by lc_schedule_prepare_stages(): */
    uint64_t begin_ns;       /* the stage's start, after the run's start */
    double from;             /* value at the stage's start (the previous target) */
    double begin_count;      /* N(begin): requests due before the stage */
    double end_count;        /* N(begin + duration) */
} lc_stage;

/** One loop's slice of an open-loop schedule; rate 0 and no stages means closed loop. */
typedef struct lc_schedule {
    double rate;        /* requests per second, whole run; with stages, the first stage's start rate */
    uint64_t start_ns;  /* monotonic time of g = 0 */
    uint32_t phase;     /* this loop's first g */
    uint32_t stride;    /* loops in the run (>= 1) */
    const lc_stage *stages; /* prepared stages (lc_schedule_prepare_stages), or NULL; not owned */
    uint32_t stage_count;   /* 0: a constant rate */
} lc_schedule;

/** Most stages a ramp may have. */
#define LC_MAX_STAGES 1000u

/** Fills the computed fields of `stages`, ramping from `start`. Returns 0, or -1 when a
    target or `start` is negative or not finite, or count is 0 or above LC_MAX_STAGES. */
int lc_schedule_prepare_stages(double start, lc_stage *stages, uint32_t count);

/** The ramp's value at `offset_ns` after the start (the last target after the end). */
double lc_stages_value_at(const lc_stage *stages, uint32_t count, uint64_t offset_ns);

/** Whether the schedule paces requests (a rate, or rate stages). */
int lc_schedule_is_open(const lc_schedule *schedule);

/** N(t): requests of the whole run due in the first `offset_ns` after the start, as a real
    number (fractional between two requests). */
double lc_schedule_count_at(const lc_schedule *schedule, uint64_t offset_ns);

/** When this loop's request number `seq` is due, in monotonic ns; UINT64_MAX if never. */
uint64_t lc_schedule_intended_ns(const lc_schedule *schedule, uint64_t seq);

/** How many of this loop's requests are due at `now_ns` (intended time <= now). */
uint64_t lc_schedule_due_count(const lc_schedule *schedule, uint64_t now_ns);

#ifdef __cplusplus
}
#endif
#endif /* LC_SCHEDULE_H */
