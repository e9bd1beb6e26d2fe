#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus/ (stdlib only; re-run to regenerate).

Layouts are those the harnesses read: http1_parser takes [mode][split][request];
conn_h1 and conn_h2 take [config][n][n piece sizes][bytes the client sends] (conn_h2
prepends the client preface itself)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


REQUESTS = {
    "get": b"GET /api/v1/order/map?ids=1,2 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "head": b"HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n",
    "http10": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "post_cl": b"POST /payload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "chunked": b"POST /payload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n0\r\nTrailer-A: x\r\n\r\n",
    "expect": b"PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "absolute": b"GET http://example.test:8080/p?q=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n",
    "options": b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "close": b"DELETE /o/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "bad_cl": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
    "te_cl": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    "obs_fold": b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
}
UPGRADE = (b"GET /json HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n")


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def lit(index, value):
    """HPACK literal with incremental indexing, indexed name (RFC 7541 §6.2.1)."""
    return bytes([0x40 | index, len(value)]) + value


SETTINGS = frame(4, 0, 0, struct.pack(">HI", 3, 100) + struct.pack(">HI", 4, 65535))
SETTINGS_ACK = frame(4, 1, 0)
GET = bytes([0x82, 0x86]) + lit(4, b"/plaintext") + lit(1, b"localhost")
POST = bytes([0x83, 0x86]) + lit(4, b"/payload") + lit(1, b"localhost")
HEAD = lit(2, b"HEAD") + bytes([0x86, 0x84]) + lit(1, b"a")
H2 = {
    "get": SETTINGS + frame(1, 0x5, 1, GET),
    "pipeline": SETTINGS + SETTINGS_ACK + frame(1, 0x5, 1, GET) + frame(1, 0x5, 3, GET) + frame(1, 0x5, 5, HEAD),
    "post": SETTINGS + frame(1, 0x4, 1, POST) + frame(0, 0, 1, b"abc") + frame(0, 1, 1, b"def"),
    "continuation": SETTINGS + frame(1, 0x1, 1, GET[:4]) + frame(9, 0x4, 1, GET[4:]),
    "reset": SETTINGS + frame(1, 0x4, 1, POST) + frame(3, 0, 1, struct.pack(">I", 8)),
    "ping_wu": SETTINGS + frame(6, 0, 0, b"12345678") + frame(8, 0, 0, struct.pack(">I", 1000))
               + frame(1, 0x5, 1, GET) + frame(8, 0, 1, struct.pack(">I", 10)),
    "priority_goaway": SETTINGS + frame(2, 0, 3, struct.pack(">IB", 1, 16)) + frame(1, 0x5, 1, GET)
                       + frame(7, 0, 0, struct.pack(">II", 1, 0)),
    "window_zero": frame(4, 0, 0, struct.pack(">HI", 4, 0)) + frame(1, 0x5, 1, GET)
                   + frame(4, 0, 0, struct.pack(">HI", 4, 65535)),
}


def main():
    for name, req in REQUESTS.items():
        write("http1_parser", name, bytes([0, 7]) + req)
        write("http1_parser", name + "_small", bytes([2, 3]) + req)
    write("http1_parser", "chunked_only", bytes([1, 4]) + b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")

    sizes = bytes([3, 17, 1, 64, 5])
    write("conn_h1", "get", bytes([0, 0]) + REQUESTS["get"])
    write("conn_h1", "pipeline_split", bytes([0, len(sizes)]) + sizes + REQUESTS["get"] + REQUESTS["head"] + REQUESTS["post_cl"])
    write("conn_h1", "deferred", bytes([0x01, len(sizes)]) + sizes + REQUESTS["get"] + REQUESTS["chunked"] + REQUESTS["head"])
    write("conn_h1", "halfclose", bytes([0x03, 2, 9, 200]) + REQUESTS["expect"] + REQUESTS["http10"])
    write("conn_h1", "reset", bytes([0x05, 1, 2]) + REQUESTS["chunked"] + REQUESTS["get"])
    write("conn_h1", "shutdown", bytes([0x09, 0]) + REQUESTS["get"] + REQUESTS["close"] + REQUESTS["get"])
    write("conn_h1", "limits", bytes([0x10, 1, 30]) + REQUESTS["absolute"] + REQUESTS["post_cl"])
    write("conn_h1", "malformed", bytes([0x20, 0]) + REQUESTS["get"] + REQUESTS["bad_cl"])
    write("conn_h1", "upgrade", bytes([0x00, 0]) + UPGRADE + b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + SETTINGS + SETTINGS_ACK + frame(1, 0x5, 3, GET))

    for name, data in H2.items():
        write("conn_h2", name, bytes([0x00, 0]) + data)
    write("conn_h2", "deferred_split", bytes([0x01, 3, 7, 30, 2]) + H2["pipeline"])
    write("conn_h2", "shutdown", bytes([0x09, 0]) + H2["post"])
    write("conn_h2", "limits_big", bytes([0x50, 0]) + H2["pipeline"])
    # the shim's own refusals and abuse limits, with small limits (config 0x10)
    big_body = frame(0, 0, 1, b"x" * 100) + frame(0, 1, 1, b"y" * 100)
    write("conn_h2", "body_413", bytes([0x10, 0]) + SETTINGS + frame(1, 0x4, 1, POST) + big_body)
    many = GET + b"".join(lit(58, b"v%d" % i) for i in range(12))  # user-agent repeated
    write("conn_h2", "fields_431", bytes([0x10, 0]) + SETTINGS + frame(1, 0x5, 1, many))
    write("conn_h2", "no_path_400", bytes([0x00, 0]) + SETTINGS + frame(1, 0x5, 1, bytes([0x82, 0x86]) + lit(1, b"a")))
    write("conn_h2", "method_501", bytes([0x00, 0]) + SETTINGS
          + frame(1, 0x5, 1, lit(2, b"BREW") + bytes([0x86, 0x84]) + lit(1, b"a")))
    write("conn_h2", "options_star", bytes([0x00, 0]) + SETTINGS
          + frame(1, 0x5, 1, lit(2, b"OPTIONS") + bytes([0x86]) + lit(4, b"*") + lit(1, b"a")))
    resets = b"".join(frame(1, 0x4, i, POST) + frame(3, 0, i, struct.pack(">I", 8)) for i in range(1, 80, 2))
    write("conn_h2", "rapid_reset", bytes([0x01, 0]) + SETTINGS + resets)
    conts = frame(1, 0x0, 1, GET[:2]) + b"".join(frame(9, 0, 1, b"") for _ in range(10)) + frame(9, 0x4, 1, GET[2:])
    write("conn_h2", "continuation_flood", bytes([0x00, 0]) + SETTINGS + conts)
    write("conn_h2", "skipped_id", bytes([0x00, 0]) + SETTINGS + frame(1, 0x5, 5, GET) + frame(1, 0x5, 3, GET))
    write("conn_h2", "window_overflow", bytes([0x01, 0]) + SETTINGS + frame(1, 0x4, 1, POST)
          + frame(4, 0, 0, struct.pack(">HI", 4, 0x7fffffff)) + frame(8, 0, 1, struct.pack(">I", 0x7fffffff)))
    write("conn_h2", "deferred_big", bytes([0x41, 2, 5, 40]) + H2["pipeline"] + frame(1, 0x5, 7, GET) + frame(1, 0x5, 9, HEAD))


if __name__ == "__main__":
    main()
