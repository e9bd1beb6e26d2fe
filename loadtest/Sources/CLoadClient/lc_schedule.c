/*
 * lc_schedule.c: intended send times of the open loop (see lc_schedule.h).
 */
#include <math.h>
#include "lc_schedule.h"

uint64_t lc_schedule_intended_ns(const lc_schedule *schedule, uint64_t seq) {
    uint32_t stride = schedule->stride ? schedule->stride : 1;
    long double g = (long double)schedule->phase + (long double)seq * stride;
    return schedule->start_ns + (uint64_t)llroundl(g * 1e9L / (long double)schedule->rate);
}

uint64_t lc_schedule_due_count(const lc_schedule *schedule, uint64_t now_ns) {
    if (now_ns < schedule->start_ns || schedule->rate <= 0) return 0;
    uint32_t stride = schedule->stride ? schedule->stride : 1;
    long double elapsed = (long double)(now_ns - schedule->start_ns);
    long double g = floorl(elapsed * (long double)schedule->rate / 1e9L);
    uint64_t count = g < schedule->phase ? 0 : (uint64_t)((g - schedule->phase) / stride) + 1;
    /* The estimate may be off by one either way where intended times were rounded: settle
       it against lc_schedule_intended_ns(), so that due means exactly intended <= now. */
    while (count > 0 && lc_schedule_intended_ns(schedule, count - 1) > now_ns) count--;
    while (lc_schedule_intended_ns(schedule, count) <= now_ns) count++;
    return count;
}
