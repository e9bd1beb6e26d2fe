#!/usr/bin/env python3
"""Bounded hostile traffic for sanitizer and soak runs (stdlib only, loopback only).

usage: hostile-clients.py HOST PORT [TLS_PORT] [--rounds N]

Each round opens a handful of connections that misbehave and closes them abruptly
(SO_LINGER 0, so the server sees a reset): partial heads, partial bodies, pipelined
requests cut short, a large download abandoned mid-response, malformed requests, h2c
streams reset and connections dropped mid-frame, and the same over TLS. Every socket
has a timeout; the whole run is bounded by --rounds."""
import socket
import ssl
import struct
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def hpack_get(path):
    return bytes([0x82, 0x86, 0x44, len(path)]) + path + bytes([0x41, 9]) + b"localhost"


def connect(host, port, tls=None, alpn=None):
    s = socket.create_connection((host, port), timeout=2)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if alpn:
            ctx.set_alpn_protocols(alpn)
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s


def reset_close(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def read_some(s, limit=4096):
    try:
        s.settimeout(0.3)  # some cases leave the server waiting for more: do not wait long
        return s.recv(limit)
    except (OSError, ssl.SSLError):
        return b""


def h1_cases(host, port, tls=False):
    cases = [
        b"GET /plaintext HTTP/1.1\r\nHost: x\r\n",                                     # partial head
        b"POST /payload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",       # partial body
        b"POST /payload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",  # partial chunk
        b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n" * 20 + b"GET /json HTTP/1.1\r\nHo",    # pipelined, cut
        b"GET /payload?size=4000000 HTTP/1.1\r\nHost: x\r\n\r\n",                       # abandoned download
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",  # malformed
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"POST /api/v1/order/map HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{\"ids\":[1",
        b"GET /api/v1/order/map?ids=1,2,3 HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for data in cases:
        try:
            s = connect(host, port, tls)
            s.sendall(data)
            read_some(s, 1024)
            reset_close(s)
        except (OSError, ssl.SSLError):
            pass


def h2_cases(host, port, tls=False):
    settings = frame(4, 0, 0)
    scripts = [
        PREFACE + settings + frame(1, 0x5, 1, hpack_get(b"/plaintext")),
        PREFACE + settings + frame(1, 0x4, 1, hpack_get(b"/payload")) + frame(3, 0, 1, struct.pack(">I", 8)),
        PREFACE + settings + frame(1, 0x5, 1, hpack_get(b"/payload?size=3000000")),   # then drop mid-download
        PREFACE + settings + frame(1, 0x5, 1, hpack_get(b"/json"))[:20],               # cut mid-frame
        PREFACE + settings + b"".join(frame(1, 0x5, i, hpack_get(b"/json")) for i in range(1, 60, 2))
        + b"".join(frame(3, 0, i, struct.pack(">I", 8)) for i in range(1, 60, 2)),     # rapid resets
        PREFACE + b"\x00\x00\x08\x07\x00\x00\x00\x00\x00" + b"\x00" * 8,                # GOAWAY first
    ]
    for data in scripts:
        try:
            s = connect(host, port, tls, ["h2"] if tls else None)
            s.sendall(data if not tls else data)
            read_some(s, 2048)
            reset_close(s)
        except (OSError, ssl.SSLError):
            pass


def tls_cases(host, port):
    # handshake abandoned halfway, and plain text on the TLS port
    for data in (b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + b"\x00" * 20, b"GET / HTTP/1.1\r\n\r\n"):
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(data)
            read_some(s, 512)
            reset_close(s)
        except OSError:
            pass
    h1_cases(host, port, tls=True)
    h2_cases(host, port, tls=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = 3
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
        args.remove(str(rounds))
    host, port = args[0], int(args[1])
    tls_port = int(args[2]) if len(args) > 2 else None
    for _ in range(max(1, min(rounds, 100))):
        h1_cases(host, port)
        h2_cases(host, port)
        if tls_port:
            tls_cases(host, tls_port)
    print("hostile clients: %d rounds done" % rounds)


if __name__ == "__main__":
    main()
