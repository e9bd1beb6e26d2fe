/* libnghttp2 from the system (Debian: libnghttp2-dev), found through pkg-config. */
#include <nghttp2/nghttp2.h>
