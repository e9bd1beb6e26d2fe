/*
 * es_http1_authority.c: uri-host [ ":" port ] (RFC 3986 §3.2.2, §3.2.3), for the Host field
 * and absolute-form targets: IPv4 without leading zeros, IPv6 and IPvFuture literals in
 * brackets, reg-names with percent-encodings, and a decimal port.
 */
#include "es_http1_internal.h"

/* ---------------------------------------------------------------------------------- */
/* Hosts: uri-host [ ":" port ] (RFC 3986 §3.2.2, §3.2.3)                               */

/* dec-octet "." dec-octet "." dec-octet "." dec-octet, without leading zeros. */
static int valid_ipv4(const uint8_t *s, size_t len)
{
    size_t i = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0) {
            if (i == len || s[i] != '.') return 0;
            i++;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < len && IS_DIGIT(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return 0;
    }
    return i == len;
}

/* IPv6address: up to eight groups of 1-4 hex digits, at most one "::", optionally
   ending in an IPv4 address that stands for two groups. */
static int valid_ipv6(const uint8_t *s, size_t len)
{
    size_t i = 0;
    int groups = 0, compressed = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = 1;
        i = 2;
        if (i == len) return 1;
    }
    for (;;) {
        size_t start = i;
        while (i < len && IS_HEX(s[i])) i++;
        if (i < len && s[i] == '.') {
            if (!valid_ipv4(s + start, len - start)) return 0;
            groups += 2;
            break;
        }
        if (i == start || i - start > 4) return 0;
        groups++;
        if (groups > 8) return 0;
        if (i == len) break;
        if (s[i] != ':') return 0;
        i++;
        if (i < len && s[i] == ':') {
            if (compressed) return 0;
            compressed = 1;
            i++;
            if (i == len) break;
        } else if (i == len) {
            return 0; /* a single trailing colon */
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

/* IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
static int valid_ipvfuture(const uint8_t *s, size_t len)
{
    size_t i = 1;
    while (i < len && IS_HEX(s[i])) i++;
    if (i == 1 || i == len || s[i] != '.') return 0;
    if (++i == len) return 0;
    for (; i < len; i++) {
        if (!has_class(s[i], CH_REG_NAME) && s[i] != ':') return 0;
    }
    return 1;
}

static int valid_ip_literal(const uint8_t *s, size_t len)
{
    if (len > 0 && (s[0] | 0x20) == 'v') return valid_ipvfuture(s, len);
    return valid_ipv6(s, len);
}

/* Length of the reg-name at the start of s (IPv4 addresses are reg-names too), or
   SIZE_MAX when it holds a bad percent-encoding. */
static size_t reg_name_length(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (has_class(s[i], CH_REG_NAME)) {
            i++;
        } else if (s[i] == '%') {
            if (len - i < 3 || !IS_HEX(s[i + 1]) || !IS_HEX(s[i + 2])) return SIZE_MAX;
            i += 3;
        } else {
            break;
        }
    }
    return i;
}

/* A non-empty host, then optionally ":" and a port (*DIGIT, RFC 3986). */
int es_http1_valid_host_port(const uint8_t *s, size_t len)
{
    size_t i;
    if (len == 0) return 0;
    if (s[0] == '[') {
        const uint8_t *close = memchr(s, ']', len);
        if (close == NULL || !valid_ip_literal(s + 1, (size_t)(close - s) - 1)) return 0;
        i = (size_t)(close - s) + 1;
    } else {
        i = reg_name_length(s, len);
        if (i == 0 || i == SIZE_MAX) return 0;
    }
    if (i == len) return 1;
    if (s[i] != ':') return 0;
    for (i++; i < len; i++) {
        if (!IS_DIGIT(s[i])) return 0;
    }
    return 1;
}
