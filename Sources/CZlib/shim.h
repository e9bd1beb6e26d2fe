/* zlib from the system (Debian: zlib1g-dev), found through pkg-config. */
#include <zlib.h>

/* deflateInit2 is a macro, which Swift cannot call. This is it as a function, with gzip
 * framing (windowBits 15 + 16: a gzip header and trailer around the deflate stream). */
static inline int czlib_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
