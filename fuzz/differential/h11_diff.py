#!/usr/bin/env python3
"""Differential test of the server's HTTP/1.1 request framing against Python's h11.

    python3 -m venv /tmp/h11venv && /tmp/h11venv/bin/pip install h11   # test-only, not committed
    /tmp/h11venv/bin/python fuzz/differential/h11_diff.py [--cases N] [--seed S] [--show K]

Builds fuzz/differential/ours.c with the shim's parser (http1/es_http1_*.c, core/es_method.c)
into a shared library in a temporary directory, then feeds the same byte streams to both:
hand-written edge cases (Content-Length and Transfer-Encoding variants, both together,
line endings, folding, versions, methods, targets, chunk sizes, extensions and trailers)
and seeded random mutations of valid pipelined streams. For each stream it compares the
messages found (method, target, body) and how the stream ended (all framed, needs more
bytes, connection closes, error), and classifies each disagreement:

  boundary   both accept, but the messages differ (a request smuggling risk: a bug unless
             explained)
  stricter   ours refuses where h11 frames messages (by our error code: deliberate or not)
  laxer      ours frames messages where h11 refuses (reviewed: each needs a reason)
  end        same messages, but one waits for more bytes where the other is done

Prints counts per class and reason, with examples; exits 1 if any `boundary` or
unexplained `laxer` case was found. Bounded: --cases streams (default 4000), 64 messages
each at most.
"""
import argparse
import ctypes
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

import h11

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHIM = os.path.join(ROOT, "Sources", "CEventShim")

# Refusals of ours that are deliberate strictness (RFC 9112 / RFC 9110 reading, or a
# documented limit of this server), with the reason. h11 is more lenient on these.
DELIBERATE = {
    "bare_lf": "RFC 9112 §2.2 lets a recipient accept a bare LF; this parser refuses it (h11 accepts)",
    "bare_cr": "a CR not followed by LF is invalid (RFC 9112 §2.2)",
    "obs_fold": "obsolete line folding refused with 400 (RFC 9112 §5.2 allows that)",
    "method_not_implemented": "only the eight methods this server routes are accepted (501)",
    "unsupported_transfer_coding": "only chunked is supported (501, RFC 9112 §6.1)",
    "invalid_transfer_encoding": "Transfer-Encoding must end in chunked (RFC 9112 §6.3)",
    "content_length_and_transfer_encoding": "both framing fields: refused (RFC 9112 §6.3 allows it; h11 drops Content-Length)",
    "chunked_not_last": "Transfer-Encoding whose last coding is not chunked (RFC 9112 §6.3)",
    "invalid_target_form": "asterisk-form only for OPTIONS, authority-form only for CONNECT (RFC 9112 §3.2.3, §3.2.4)",
    "http_version_not_supported": "HTTP/2.0 and other majors in an HTTP/1 request line: 505",
    "invalid_http_version": "HTTP-version = \"HTTP/\" DIGIT \".\" DIGIT, case-sensitive (RFC 9112 §2.3)",
    "missing_http_version": "HTTP/0.9-style request lines refused",
    "invalid_request_line": "request-line = method SP request-target SP HTTP-version, single spaces (RFC 9112 §3)",
    "uri_too_long": "request line over 8 KiB: 414",
    "invalid_connection": "Connection must be a list of tokens (RFC 9110 §7.6.1)",
    "duplicate_host": "more than one Host (RFC 9112 §3.2)",
    "missing_colon": "a header line without a colon (h11 accepts some inside garbage it then refuses later)",
    "empty_header_name": "a field line starting with a colon",
    "invalid_chunk_size": "chunk-size = 1*HEXDIG, at most 16 digits",
    "invalid_chunk_data_terminator": "chunk data must be followed by CRLF",
    "invalid_percent_encoding": "a '%' in the target must start pct-encoded (RFC 3986 §2.1)",
    "invalid_target": "request-target grammar (RFC 9112 §3.2) enforced",
    "invalid_chunk_extension": "chunk-ext grammar (RFC 9112 §7.1.1) enforced",
    "whitespace_before_colon": "RFC 9112 §5.1: must be rejected",
    "version_not_supported": "only HTTP/1.x",
    "invalid_version": "HTTP-version grammar enforced",
    "content_too_large": "max body limit (1 MiB)",
    "missing_host": "RFC 9112 §3.2: HTTP/1.1 requires Host",
    "multiple_host": "RFC 9112 §3.2: more than one Host is refused",
    "invalid_host": "Host must be a valid authority",
    "expectation_failed": "only 100-continue is a known expectation (417)",
    "invalid_header_value": "control characters refused",
    "invalid_header_name": "field-name must be a token",
    "invalid_method": "method must be a token",
    "duplicate_content_length": "differing or repeated Content-Length refused",
    "invalid_content_length": "Content-Length must be 1*DIGIT",
}


def build_library(tmp):
    clang = os.environ.get("CLANG") or shutil.which("clang") or "/opt/swift/usr/bin/clang"
    lib = os.path.join(tmp, "libours.so")
    subprocess.run([clang, "-shared", "-fPIC", "-O1", "-D_GNU_SOURCE", "-I", os.path.join(SHIM, "include"),
                    "-I", os.path.join(SHIM, "http1"), "-o", lib, os.path.join(HERE, "ours.c")]
                   + sorted(glob.glob(os.path.join(SHIM, "http1", "es_http1_*.c")))
                   + [os.path.join(SHIM, "core", "es_method.c")], check=True)
    so = ctypes.CDLL(lib)
    so.ours_frame.restype = ctypes.c_size_t
    so.ours_frame.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    return so


def ours(so, data):
    cap = 4 * len(data) + 256 + 64 * 64
    out = ctypes.create_string_buffer(cap)
    n = so.ours_frame(data, len(data), out, cap)
    msgs, end = [], "LIMIT"
    for line in out.raw[:n].decode().splitlines():
        parts = line.split(" ")
        if parts[0] == "MSG":
            target = b"" if parts[2] == "-" else bytes.fromhex(parts[2])
            body = b"" if parts[3] == "-" else bytes.fromhex(parts[3])
            msgs.append((parts[1], target, body))
        else:
            end = " ".join(parts[1:])
    return msgs, end


def theirs(data):
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=8192 + 16384 + 64)
    conn.receive_data(data)
    msgs, current = [], None
    for _ in range(10000):
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as error:
            return msgs, "ERROR " + str(error)
        if event is h11.NEED_DATA:
            if conn.their_state is h11.IDLE and not conn.trailing_data[0]:
                return msgs, "OK"
            return msgs, "INCOMPLETE"
        if event is h11.PAUSED:
            return msgs, "PAUSED"
        if isinstance(event, h11.Request):
            current = [event.method.decode("latin-1"), bytes(event.target), b""]
        elif isinstance(event, h11.Data):
            current[2] += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            msgs.append(tuple(current))
            try:  # a non-2xx answer, so that CONNECT does not switch protocols
                conn.send(h11.Response(status_code=404, headers=[("Content-Length", "0")]))
                conn.send(h11.EndOfMessage())
            except h11.LocalProtocolError:
                return msgs, "PAUSED"

            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return msgs, "CLOSE" if conn.trailing_data[0] else "OK"
            conn.start_next_cycle()
        elif isinstance(event, h11.ConnectionClosed):
            return msgs, "OK"
    return msgs, "LIMIT"


# Streams ours frames where h11 refuses, by h11's message, with the reason ours is right.
LAX_DELIBERATE = {
    "no request line received": "empty lines before a request line are ignored (RFC 9112 §2.2 SHOULD); h11 refuses them",
    "Only Transfer-Encoding: chunked is supported": "empty list elements (\"chunked,\", \",chunked\") are ignored as RFC 9110 §5.6.1 requires",
    "illegal chunk header": "BWS before ';' in a chunk extension is allowed (RFC 9112 §7.1.1)",
    "waits: a partial empty line": "a CR (or CRLF) between requests may start an ignored empty line (RFC 9112 §2.2): ours waits, h11 refuses",
}


def lax_reason(message):
    for key, reason in LAX_DELIBERATE.items():
        if message.startswith(key):
            return reason
    return None


def classify(ours_result, their_result):
    (om, oe), (tm, te) = ours_result, their_result
    if te == "CLOSE" and om[:len(tm)] == tm:
        # h11 ends the connection after an HTTP/1.0 request even with Connection: keep-alive
        # (it does not implement HTTP/1.0 persistence); the messages it framed agree.
        return ("persistence", "h11 closes after HTTP/1.0 keep-alive") if (len(om) > len(tm) or oe != "OK") else None
    o_err, t_err = oe.startswith("ERROR"), te.startswith("ERROR")
    if om == tm and (oe == te or (o_err and t_err)):
        return None
    common = 0
    while common < min(len(om), len(tm)) and om[common] == tm[common]:
        common += 1
    if o_err and not t_err and common == len(om):
        code = oe.split(" ")[2]
        return ("stricter", code)
    if t_err and not o_err and common == len(tm):
        if oe == "INCOMPLETE" and om == tm:
            return ("laxer", "waits: a partial empty line after the last message")
        return ("laxer", te[6:60])
    if common < min(len(om), len(tm)):
        return ("boundary", "message %d differs" % common)
    if o_err or t_err:
        # one refused earlier than the other framed: the longer side framed extra messages
        return ("stricter", oe.split(" ")[2]) if o_err else ("laxer", te[6:60])
    return ("end", "ours %s / h11 %s" % (oe, te))


# ---- generated cases -----------------------------------------------------------------

def head(method=b"GET", target=b"/", version=b"HTTP/1.1", fields=((b"Host", b"a"),), eol=b"\r\n"):
    lines = [method + b" " + target + b" " + version] + [n + b": " + v for n, v in fields]
    return eol.join(lines) + eol + eol


NEXT = head(target=b"/next")
CL_VALUES = [b"5", b" 5 ", b"+5", b"05", b"5,5", b"5, 5", b"5, 6", b"0x5", b"-1", b"5 5", b"",
             b"99999999999999999999", b"5\t", b"\t5", b"5.0", b"1e1", b"\xd9\xa5"]
TE_VALUES = [b"chunked", b"Chunked", b"CHUNKED", b" chunked", b"chunked ", b"chunked, chunked",
             b"gzip, chunked", b"chunked, gzip", b"identity", b"x-chunked", b"chunked\x0b", b"chunked;q=1",
             b"\"chunked\"", b"chunked,", b",chunked", b"identity, chunked", b""]
CHUNKED_BODIES = [b"5\r\nhello\r\n0\r\n\r\n", b"5;a=b\r\nhello\r\n0\r\n\r\n", b"5 ;a\r\nhello\r\n0\r\n\r\n",
                  b"0005\r\nhello\r\n0\r\n\r\n", b"A\r\n0123456789\r\n0\r\n\r\n", b"a\r\n0123456789\r\n0\r\n\r\n",
                  b"0x5\r\nhello\r\n0\r\n\r\n", b" 5\r\nhello\r\n0\r\n\r\n", b"5\nhello\n0\n\n",
                  b"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", b"5\r\nhelloXX\r\n0\r\n\r\n", b"5\r\nhel\r\n0\r\n\r\n",
                  b"ffffffffffffffff\r\nx\r\n", b"-5\r\nhello\r\n0\r\n\r\n", b"5\r\nhello\r\n0\r\n",
                  b"5;a=\"q\\\"x\"\r\nhello\r\n0\r\n\r\n", b"5\r\nhello\r\n0;x\r\n\r\n", b"5\r\r\nhello\r\n0\r\n\r\n",
                  b"5\r\nhello\r\n0\r\nX-T: 1\r\n folded\r\n\r\n", b"\r\n5\r\nhello\r\n0\r\n\r\n"]


def edge_cases():
    cases = []
    for v in CL_VALUES:
        cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Content-Length", v))) + b"hello" + NEXT)
    cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Content-Length", b"5"), (b"Content-Length", b"5"))) + b"hello" + NEXT)
    cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Content-Length", b"5"), (b"Content-Length", b"6"))) + b"hello!" + NEXT)
    for v in TE_VALUES:
        cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Transfer-Encoding", v))) + CHUNKED_BODIES[0] + NEXT)
        cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Transfer-Encoding", v), (b"Content-Length", b"3")))
                     + CHUNKED_BODIES[0] + NEXT)
    cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Transfer-Encoding", b"gzip"), (b"Transfer-Encoding", b"chunked")))
                 + CHUNKED_BODIES[0] + NEXT)
    for body in CHUNKED_BODIES:
        cases.append(head(b"POST", fields=((b"Host", b"a"), (b"Transfer-Encoding", b"chunked"))) + body + NEXT)
    for version in [b"HTTP/1.0", b"HTTP/1.2", b"HTTP/2.0", b"http/1.1", b"HTTP/1.10", b"HTTP/01.1", b"HTTP/1", b"HTTP/1.1 "]:
        cases.append(head(version=version) + NEXT)
    for method in [b"get", b"CONNECT", b"PROPFIND", b"G\x01T", b"GET ", b"", b"DELETE", b"OPTIONS", b"TRACE"]:
        cases.append(head(method=method) + NEXT)
    for target in [b"*", b"http://a/p?q", b"a:80", b"/p#frag", b"/p q", b"/%00", b"/\xff", b"//x", b"/?a=b?c", b"", b"/\x7f"]:
        cases.append(head(target=target) + NEXT)
    cases.append(b"GET / HTTP/1.1\nHost: a\n\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\n X: b\r\n\r\n" + NEXT)
    cases.append(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nX: \x00\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nX: \xff\xfe\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.0\r\n\r\nGET /second HTTP/1.0\r\n\r\n")
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + NEXT)
    cases.append(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc" + NEXT)
    cases.append(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 3\r\n\r\nabc" + NEXT)
    cases.append(b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n" + NEXT)
    cases.append(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n" + NEXT)
    return cases


VALID = [head(target=b"/a"), head(b"POST", b"/b", fields=((b"Host", b"a"), (b"Content-Length", b"4"))) + b"body",
         head(b"POST", b"/c", fields=((b"Host", b"a"), (b"Transfer-Encoding", b"chunked"))) + b"3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
         head(b"HEAD", b"/d?q=1", fields=((b"Host", b"a"), (b"Accept", b"*/*"))),
         head(b"PUT", b"/e", version=b"HTTP/1.0", fields=((b"Host", b"a"), (b"Connection", b"keep-alive"), (b"Content-Length", b"2"))) + b"xy"]
INTERESTING = [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b";", b",", b"0", b"5", b"a", b"\x00", b"\xff",
               b"Content-Length: 1\r\n", b"Transfer-Encoding: chunked\r\n", b"chunked", b"\r\n\r\n"]


def mutated_cases(rng, count):
    for _ in range(count):
        stream = b"".join(rng.choice(VALID) for _ in range(rng.randint(1, 4)))
        data = bytearray(stream)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(4)
            pos = rng.randrange(len(data) + 1)
            if op == 0 and data:
                del data[min(pos, len(data) - 1)]
            elif op == 1:
                data[pos:pos] = rng.choice(INTERESTING)
            elif op == 2 and data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
            else:
                j = rng.randrange(len(data) + 1)
                data[pos:pos] = data[min(pos, j):max(pos, j)][:32]
        yield bytes(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=2)
    parser.add_argument("--edges", action="store_true", help="print both verdicts for every hand-written case")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        so = build_library(tmp)
        cases = edge_cases()
        edge_count = len(cases)
        cases += list(mutated_cases(rng, max(0, min(args.cases, 200000) - edge_count)))
        found = defaultdict(list)
        if args.edges:
            for data in cases[:edge_count]:
                print("%-44s ours %-40s h11 %s" % (repr(data[:40])[1:], ours_summary(so, data), theirs_summary(data)))
        for data in cases:
            verdict = classify(ours(so, data), theirs(data))
            if verdict is not None:
                found[verdict].append(data)
    print("h11 %s; %d streams (%d hand-written, %d mutated, seed %d)" % (
        h11.__version__, len(cases), edge_count, len(cases) - edge_count, args.seed))
    agree = len(cases) - sum(len(v) for v in found.values())
    print("agree: %d" % agree)
    failing = 0
    for klass in ("boundary", "laxer", "stricter", "end", "persistence"):
        items = sorted(((k[1], v) for k, v in found.items() if k[0] == klass), key=lambda kv: -len(kv[1]))
        if not items:
            continue
        print("\n%s: %d" % (klass, sum(len(v) for _, v in items)))
        for reason, examples in items:
            note = ""
            if klass == "stricter":
                note = "  [deliberate: %s]" % DELIBERATE[reason] if reason in DELIBERATE else "  [REVIEW]"
            if klass == "laxer":
                note = "  [deliberate: %s]" % lax_reason(reason) if lax_reason(reason) else "  [REVIEW]"
            print("  %5d  %s%s" % (len(examples), reason, note))
            for data in examples[: args.show]:
                print("         e.g. %r" % (data[:160],))
                print("              ours %s | h11 %s" % (ours_summary(so_global, data), theirs_summary(data)))
            if klass in ("boundary", "end") or (klass == "laxer" and not lax_reason(reason)) or \
                    (klass == "stricter" and reason not in DELIBERATE):
                failing += len(examples)
    return 1 if failing else 0


so_global = None


def ours_summary(so, data):
    m, e = ours(so, data)
    return "%d msgs %s" % (len(m), e)


def theirs_summary(data):
    m, e = theirs(data)
    return "%d msgs %s" % (len(m), e[:70])


if __name__ == "__main__":
    # the library stays loaded for the summaries printed after the temporary directory goes
    tmp_keep = tempfile.mkdtemp(prefix="h11diff-")
    so_global = build_library(tmp_keep)
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(tmp_keep, ignore_errors=True)
