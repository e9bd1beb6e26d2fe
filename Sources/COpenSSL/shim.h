/* OpenSSL 3 from the system (Debian: libssl-dev), found through pkg-config. */
#include <openssl/err.h>
#include <openssl/ssl.h>
