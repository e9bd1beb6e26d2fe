/*
 * es_date.c: the loop's cached Date value, which both protocols send (RFC 9110 §6.6.1).
 */
#include <time.h>
#include "es_core.h"

/* IMF-fixdate (RFC 9110 §5.6.7), rebuilt only when the second changes: once per loop wake
   at most, whatever the request rate. */
void es_date_refresh(es_loop *loop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec == loop->date_second) return;
    loop->date_second = ts.tv_sec;
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(loop->date, sizeof loop->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}
