/*
 * lc_schedule.c: intended send times of the open loop (see lc_schedule.h).
 */
#include <math.h>
#include "lc_schedule.h"

int lc_schedule_prepare_stages(double start, lc_stage *stages, uint32_t count) {
    if (count == 0 || count > LC_MAX_STAGES || !isfinite(start) || start < 0) return -1;
    uint64_t begin = 0;
    long double from = start, total = 0;
    for (uint32_t k = 0; k < count; k++) {
        lc_stage *stage = &stages[k];
        if (!isfinite(stage->target) || stage->target < 0) return -1;
        stage->begin_ns = begin;
        stage->from = (double)from;
        stage->begin_count = (double)total;
        /* The trapezoid under a linear ramp. */
        total += (from + (long double)stage->target) / 2 * (long double)stage->duration_ns / 1e9L;
        stage->end_count = (double)total;
        begin += stage->duration_ns;
        from = stage->target;
    }
    return 0;
}

/* The stage holding `offset_ns` (the last one past the end). */
static uint32_t stage_at(const lc_stage *stages, uint32_t count, uint64_t offset_ns) {
    uint32_t low = 0, high = count - 1;
    while (low < high) { /* the last stage that begins at or before offset_ns */
        uint32_t mid = low + (high - low + 1) / 2;
        if (stages[mid].begin_ns <= offset_ns) low = mid; else high = mid - 1;
    }
    return low;
}

double lc_stages_value_at(const lc_stage *stages, uint32_t count, uint64_t offset_ns) {
    if (count == 0) return 0;
    const lc_stage *stage = &stages[stage_at(stages, count, offset_ns)];
    uint64_t into = offset_ns - stage->begin_ns;
    if (into >= stage->duration_ns) return stage->target;
    return stage->from + (stage->target - stage->from) * ((double)into / (double)stage->duration_ns);
}

int lc_schedule_is_open(const lc_schedule *schedule) {
    return schedule->stage_count > 0 || schedule->rate > 0;
}

/* N(t) within stage k at `into` seconds after its begin: begin_count + from x + a x^2 / 2. */
static long double stage_count(const lc_stage *stage, long double into) {
    long double duration = (long double)stage->duration_ns / 1e9L;
    if (into >= duration) return stage->end_count;
    long double slope = ((long double)stage->target - stage->from) / duration;
    return stage->begin_count + stage->from * into + slope * into * into / 2;
}

double lc_schedule_count_at(const lc_schedule *schedule, uint64_t offset_ns) {
    if (schedule->stage_count == 0) return (double)((long double)offset_ns * schedule->rate / 1e9L);
    const lc_stage *stage = &schedule->stages[stage_at(schedule->stages, schedule->stage_count, offset_ns)];
    return (double)stage_count(stage, (long double)(offset_ns - stage->begin_ns) / 1e9L);
}

/* The inverse of N within the stage that holds count g: the x >= 0 with
   from x + a x^2 / 2 = m, m = g - begin_count, as 2m / (from + sqrt(from^2 + 2 a m)), which
   stays exact for a = 0 and for ramps down (a < 0). */
static uint64_t staged_offset_ns(const lc_schedule *schedule, long double g) {
    const lc_stage *stages = schedule->stages;
    uint32_t count = schedule->stage_count;
    if (g >= stages[count - 1].end_count) return UINT64_MAX;
    uint32_t low = 0, high = count - 1;
    while (low < high) { /* the first stage whose end count is above g */
        uint32_t mid = low + (high - low) / 2;
        if (stages[mid].end_count > g) high = mid; else low = mid + 1;
    }
    const lc_stage *stage = &stages[low];
    long double m = g - stage->begin_count;
    if (m <= 0) return stage->begin_ns;
    long double duration = (long double)stage->duration_ns / 1e9L;
    long double slope = ((long double)stage->target - stage->from) / duration;
    long double root = (long double)stage->from * stage->from + 2 * slope * m;
    long double x = 2 * m / ((long double)stage->from + sqrtl(root > 0 ? root : 0));
    uint64_t into = (uint64_t)llroundl(x * 1e9L);
    /* Rounding must not carry a request past its own stage. */
    if (into >= stage->duration_ns) into = stage->duration_ns - 1;
    return stage->begin_ns + into;
}

uint64_t lc_schedule_intended_ns(const lc_schedule *schedule, uint64_t seq) {
    uint32_t stride = schedule->stride ? schedule->stride : 1;
    long double g = (long double)schedule->phase + (long double)seq * stride;
    if (schedule->stage_count > 0) {
        uint64_t offset = staged_offset_ns(schedule, g);
        return offset == UINT64_MAX ? UINT64_MAX : schedule->start_ns + offset;
    }
    return schedule->start_ns + (uint64_t)llroundl(g * 1e9L / (long double)schedule->rate);
}

uint64_t lc_schedule_due_count(const lc_schedule *schedule, uint64_t now_ns) {
    if (now_ns < schedule->start_ns || !lc_schedule_is_open(schedule)) return 0;
    uint32_t stride = schedule->stride ? schedule->stride : 1;
    long double g = floorl((long double)lc_schedule_count_at(schedule, now_ns - schedule->start_ns));
    uint64_t count = g < schedule->phase ? 0 : (uint64_t)((g - schedule->phase) / stride) + 1;
    /* The estimate may be off by one either way where intended times were rounded: settle
       it against lc_schedule_intended_ns(), so that due means exactly intended <= now. */
    while (count > 0 && lc_schedule_intended_ns(schedule, count - 1) > now_ns) count--;
    while (lc_schedule_intended_ns(schedule, count) <= now_ns) count++;
    return count;
}
