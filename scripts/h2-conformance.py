#!/usr/bin/env python3
"""HTTP/2 conformance cases in the style of h2spec (RFC 9113 and RFC 7541), run with a raw
socket client written against the Python 3 standard library only.

    python3 scripts/h2-conformance.py --host 127.0.0.1 --port 8080 [--tls] [-v] [CASE...]

Each case opens its own connection, performs the HTTP/2 handshake (client preface and
SETTINGS, the server's SETTINGS acknowledged and ours acknowledged), sends what the case
is about and checks the server's answer against what the RFC requires:

  connection error   GOAWAY with the expected code, then the connection closes (RFC 9113
                     §5.4.1 says the endpoint MUST close after such a GOAWAY); a plain close
                     without GOAWAY is accepted, as h2spec does.
  stream error       RST_STREAM with the expected code on that stream; a connection error
                     with the same code (or a plain close) is accepted, as h2spec does.
  ignored            the connection still answers a PING.
  response           a response (HEADERS, and DATA up to END_STREAM) on the stream.

Unlike h2spec, a GOAWAY or RST_STREAM that carries a *different* error code fails the
case (h2spec keeps waiting and passes when the connection then closes); --lenient gives
h2spec's behaviour. Case ids follow h2spec's (e.g. "http2/6.5/1", "hpack/5.2/1"); cases
h2spec lacks end in a letter ("http2/6.9.1/a").

Exits 0 when every case passed (skipped ones included), 1 otherwise.
"""
import argparse
import os
import socket
import ssl
import struct
import sys
import time
import traceback

# ---- protocol constants -------------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
FRAME_NAMES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
               "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"]

END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, \
    FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM, \
    INADEQUATE_SECURITY, HTTP_1_1_REQUIRED = range(14)
ERROR_NAMES = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
               "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
               "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]

SETTINGS_HEADER_TABLE_SIZE = 0x1
SETTINGS_ENABLE_PUSH = 0x2
SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6

MAX_WINDOW = 2 ** 31 - 1


def error_name(code):
    return ERROR_NAMES[code] if 0 <= code < len(ERROR_NAMES) else "0x%x" % code


# ---- HPACK (RFC 7541) ---------------------------------------------------------------------

STATIC_TABLE = [
    (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
    (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"), (":status", "200"),
    (":status", "204"), (":status", "206"), (":status", "304"), (":status", "400"),
    (":status", "404"), (":status", "500"), ("accept-charset", ""), ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""), ("accept-ranges", ""), ("accept", ""), ("access-control-allow-origin", ""),
    ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
    ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
    ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
    ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""),
    ("from", ""), ("host", ""), ("if-match", ""), ("if-modified-since", ""),
    ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""), ("last-modified", ""),
    ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
    ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""),
    ("retry-after", ""), ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""),
    ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""),
    ("www-authenticate", ""),
]

# Appendix B's code lengths for symbols 0..256 (EOS), one letter each: 'A' is 5 bits, 'Z'
# 30. The code is canonical (codes of one length are consecutive, in symbol order), so the
# codes follow from the lengths.
HUFFMAN_LENGTHS = (
    "ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHFIBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABAB"
    "ABBBACCBBBABCBAABCCCCCKGJIXPRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRSVVPORSRUVVVW"
    "WVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWVZ")
EOS = 256


def _huffman_codes():
    lengths = [ord(c) - ord("A") + 5 for c in HUFFMAN_LENGTHS]
    assert len(lengths) == 257
    codes = [0] * 257
    order = sorted(range(257), key=lambda s: (lengths[s], s))
    code, previous = -1, lengths[order[0]]
    for symbol in order:
        code = (code + 1) << (lengths[symbol] - previous)
        previous = lengths[symbol]
        codes[symbol] = code
    return codes, lengths


HUFFMAN_CODES, HUFFMAN_BITS = _huffman_codes()
HUFFMAN_DECODE = {(HUFFMAN_BITS[s], HUFFMAN_CODES[s]): s for s in range(257)}


class HPACKError(Exception):
    pass


def huffman_encode(data):
    acc, bits, out = 0, 0, bytearray()
    for byte in data:
        acc = (acc << HUFFMAN_BITS[byte]) | HUFFMAN_CODES[byte]
        bits += HUFFMAN_BITS[byte]
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits:
        out.append(((acc << (8 - bits)) | (0xFF >> bits)) & 0xFF)  # padded with EOS's MSBs
    return bytes(out)


def huffman_decode(data):
    out = bytearray()
    code, length = 0, 0
    for byte in data:
        for i in range(7, -1, -1):
            code = (code << 1) | ((byte >> i) & 1)
            length += 1
            symbol = HUFFMAN_DECODE.get((length, code))
            if symbol is not None:
                if symbol == EOS:
                    raise HPACKError("Huffman string contains EOS")
                out.append(symbol)
                code, length = 0, 0
    if length > 7:
        raise HPACKError("Huffman padding longer than 7 bits")
    if code != (1 << length) - 1:
        raise HPACKError("Huffman padding is not the most significant bits of EOS")
    return bytes(out)


def encode_int(value, prefix_bits, first_byte_flags=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = bytearray([first_byte_flags | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_str(value, huffman=False):
    if isinstance(value, str):
        value = value.encode("latin-1")
    if huffman:
        value = huffman_encode(value)
        return encode_int(len(value), 7, 0x80) + value
    return encode_int(len(value), 7) + value


def encode_literal(name, value, indexing=0x00, huffman=False):
    """A literal field with a literal name: 0x00 without indexing, 0x10 never indexed, 0x40
    with incremental indexing."""
    return bytes([indexing]) + encode_str(name, huffman) + encode_str(value, huffman)


def encode_headers(fields, huffman=False):
    """Every field as a literal without indexing with a literal name: the server's decoder
    state never changes, so any block can be sent at any time."""
    return b"".join(encode_literal(n, v, huffman=huffman) for n, v in fields)


class Decoder:
    """Decodes the server's header blocks. It insists on what RFC 7541 requires of the
    server's encoder (a table no larger than our SETTINGS_HEADER_TABLE_SIZE, size updates
    only at the start of a block)."""

    def __init__(self, max_size=4096):
        self.dynamic = []
        self.size = 0
        self.max_size = max_size
        self.settings_max = max_size
        self.require_update = False  # our limit went below the table's size (RFC 7541 §4.2)
        self.updates = []  # size updates seen, for the cases

    def limit(self, size):
        """Our SETTINGS_HEADER_TABLE_SIZE, once acknowledged."""
        if size < self.max_size:
            self.require_update = True
        self.settings_max = size

    def _evict(self):
        while self.size > self.max_size:
            name, value = self.dynamic.pop()
            self.size -= 32 + len(name) + len(value)

    def _add(self, name, value):
        self.dynamic.insert(0, (name, value))
        self.size += 32 + len(name) + len(value)
        self._evict()

    def _entry(self, index):
        if index == 0:
            raise HPACKError("index 0")
        if index <= len(STATIC_TABLE):
            n, v = STATIC_TABLE[index - 1]
            return n.encode(), v.encode()
        index -= len(STATIC_TABLE) + 1
        if index >= len(self.dynamic):
            raise HPACKError("index out of range")
        return self.dynamic[index]

    @staticmethod
    def _int(data, pos, prefix_bits):
        limit = (1 << prefix_bits) - 1
        value = data[pos] & limit
        pos += 1
        if value < limit:
            return value, pos
        shift = 0
        while True:
            if pos >= len(data):
                raise HPACKError("truncated integer")
            byte = data[pos]
            pos += 1
            value += (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, pos

    def _str(self, data, pos):
        if pos >= len(data):
            raise HPACKError("truncated string")
        huffman = data[pos] & 0x80
        length, pos = self._int(data, pos, 7)
        if pos + length > len(data):
            raise HPACKError("truncated string")
        raw = bytes(data[pos:pos + length])
        return (huffman_decode(raw) if huffman else raw), pos + length

    def decode(self, data):
        fields, pos, seen_field = [], 0, False
        if self.require_update and (not data or (data[0] & 0xE0) != 0x20):
            raise HPACKError("no dynamic table size update at the start of the first block after "
                             "SETTINGS_HEADER_TABLE_SIZE was lowered to %d" % self.settings_max)
        self.require_update = False
        while pos < len(data):
            byte = data[pos]
            if byte & 0x80:
                index, pos = self._int(data, pos, 7)
                fields.append(self._entry(index))
                seen_field = True
            elif byte & 0x40 or (byte & 0xF0) in (0x00, 0x10):
                prefix = 6 if byte & 0x40 else 4
                index, pos = self._int(data, pos, prefix)
                name = self._entry(index)[0] if index else None
                if name is None:
                    name, pos = self._str(data, pos)
                value, pos = self._str(data, pos)
                fields.append((name, value))
                if byte & 0x40:
                    self._add(name, value)
                seen_field = True
            else:  # 001xxxxx: dynamic table size update
                if seen_field:
                    raise HPACKError("dynamic table size update after a field")
                size, pos = self._int(data, pos, 5)
                if size > self.settings_max:
                    raise HPACKError("dynamic table size update %d above our limit %d" % (size, self.settings_max))
                self.max_size = size
                self.updates.append(size)
                self._evict()
        return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in fields]


# ---- frames and connections ---------------------------------------------------------------

class Frame:
    def __init__(self, type_, flags, stream_id, payload):
        self.type, self.flags, self.stream_id, self.payload = type_, flags, stream_id, payload
        self.headers = None  # decoded fields, on the frame that completes a header block

    def name(self):
        return FRAME_NAMES[self.type] if self.type < len(FRAME_NAMES) else "UNKNOWN(0x%x)" % self.type

    def error_code(self):
        if self.type == RST_STREAM and len(self.payload) == 4:
            return struct.unpack(">I", self.payload)[0]
        if self.type == GOAWAY and len(self.payload) >= 8:
            return struct.unpack(">I", self.payload[4:8])[0]
        return None

    def last_stream_id(self):
        return struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF

    def data_length(self):
        """A DATA frame's data, less padding."""
        if self.flags & PADDED and self.payload:
            return len(self.payload) - 1 - self.payload[0]
        return len(self.payload)

    def __str__(self):
        text = "%s(stream=%d, flags=0x%x, length=%d" % (self.name(), self.stream_id, self.flags, len(self.payload))
        if self.type in (RST_STREAM, GOAWAY) and self.error_code() is not None:
            text += ", error=%s" % error_name(self.error_code())
            if self.type == GOAWAY:
                text += ", last_stream=%d" % self.last_stream_id()
                if len(self.payload) > 8:
                    text += ", debug=%r" % self.payload[8:80]
        if self.headers is not None:
            status = dict(self.headers).get(":status")
            text += ", :status=%s" % status
        return text + ")"


def frame_bytes(type_, flags, stream_id, payload=b"", length=None):
    length = len(payload) if length is None else length
    return struct.pack(">I", length)[1:] + bytes([type_, flags]) + struct.pack(">I", stream_id) + payload


def settings_payload(settings):
    return b"".join(struct.pack(">HI", k, v) for k, v in settings)


class Closed(Exception):
    pass


OUTCOME = [""]  # what satisfied the last verifier, for --verbose


def outcome(text):
    OUTCOME[0] = text


class Timeout(Exception):
    pass


class Fail(Exception):
    pass


class Skip(Exception):
    pass


class Conn:
    def __init__(self, opts):
        self.opts = opts
        self.timeout = opts.timeout
        raw = socket.create_connection((opts.host, opts.port), timeout=opts.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if opts.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["h2"])
            raw = context.wrap_socket(raw, server_hostname=opts.host)
            if raw.selected_alpn_protocol() != "h2":
                raise Fail("ALPN did not select h2 (got %r)" % raw.selected_alpn_protocol())
        self.sock = raw
        self.buffer = bytearray()
        self.closed = False
        self.decoder = Decoder()
        self.header_block = None  # (stream id, first frame, fragments) while a block is open
        self.server_settings = {}
        self.events = []  # every frame received, for failure messages
        self.max_frame_size = 16384
        self.auto_ack = True

    # -- writing
    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the server may have closed already: what it sent before says why

    def frame(self, type_, flags, stream_id, payload=b"", length=None):
        self.send(frame_bytes(type_, flags, stream_id, payload, length))

    def settings(self, settings=(), flags=0, stream_id=0):
        self.frame(SETTINGS, flags, stream_id, settings_payload(settings))

    def headers(self, stream_id, fields, end_stream=True, end_headers=True, block=None):
        block = encode_headers(fields) if block is None else block
        flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
        self.frame(HEADERS, flags, stream_id, block)

    def data(self, stream_id, payload, end_stream=True):
        self.frame(DATA, END_STREAM if end_stream else 0, stream_id, payload)

    def ping(self, opaque=b"h2spec\x00\x01", ack=False):
        self.frame(PING, ACK if ack else 0, 0, opaque)

    def window_update(self, stream_id, increment):
        self.frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment))

    def rst_stream(self, stream_id, code):
        self.frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))

    def priority(self, stream_id, depends_on, weight=15, exclusive=False):
        dep = depends_on | (0x80000000 if exclusive else 0)
        self.frame(PRIORITY, 0, stream_id, struct.pack(">IB", dep, weight))

    def goaway(self, last_stream_id, code, debug=b""):
        self.frame(GOAWAY, 0, 0, struct.pack(">II", last_stream_id, code) + debug)

    # -- reading
    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout()
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise Closed()
        self.buffer += chunk

    def read_frame(self, timeout=None):
        if self.closed:
            raise Closed()
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.buffer) < 9:
            self._fill(deadline)
        length = int.from_bytes(self.buffer[:3], "big")
        while len(self.buffer) < 9 + length:
            self._fill(deadline)
        type_, flags = self.buffer[3], self.buffer[4]
        stream_id = struct.unpack(">I", self.buffer[5:9])[0] & 0x7FFFFFFF
        payload = bytes(self.buffer[9:9 + length])
        del self.buffer[:9 + length]
        frame = Frame(type_, flags, stream_id, payload)
        self._on_frame(frame)
        self.events.append(frame)
        return frame

    def _on_frame(self, frame):
        if frame.type in (HEADERS, PUSH_PROMISE):
            block = frame.payload
            pad = 0
            if frame.flags & PADDED:
                pad = block[0]
                block = block[1:]
            if frame.type == HEADERS and frame.flags & PRIORITY_FLAG:
                block = block[5:]
            if frame.type == PUSH_PROMISE:
                block = block[4:]
            block = block[:len(block) - pad]
            self.header_block = [frame.stream_id, frame, bytearray(block)]
            if frame.flags & END_HEADERS:
                self._finish_block(frame)
        elif frame.type == CONTINUATION and self.header_block is not None:
            self.header_block[2] += frame.payload
            if frame.flags & END_HEADERS:
                self._finish_block(frame)
        elif frame.type == SETTINGS and not frame.flags & ACK:
            for i in range(0, len(frame.payload) - 5, 6):
                key, value = struct.unpack(">HI", frame.payload[i:i + 6])
                self.server_settings[key] = value
            if self.auto_ack:
                self.settings(flags=ACK)
        elif frame.type == PING and not frame.flags & ACK and self.auto_ack:
            self.ping(frame.payload, ack=True)

    def _finish_block(self, frame):
        _, first, block = self.header_block
        self.header_block = None
        try:
            first.headers = frame.headers = self.decoder.decode(block)
        except (HPACKError, IndexError) as error:
            raise Fail("cannot decode the server's header block: %s" % error)

    def describe(self):
        if not self.events:
            return "nothing"
        parts, run = [], None  # consecutive DATA frames of one stream shown as one entry
        for f in self.events:
            if f.type == DATA and run is not None and run[0] == f.stream_id:
                run[1] += 1
                run[2] += len(f.payload)
                run[3] |= f.flags
                parts[-1] = "DATA x%d(stream=%d, %d octets%s)" % (run[1], f.stream_id, run[2],
                                                                 ", END_STREAM" if run[3] & END_STREAM else "")
                continue
            run = [f.stream_id, 1, len(f.payload), f.flags] if f.type == DATA else None
            parts.append(str(f))
        return ", ".join(parts[-8:])

    # -- the handshake (RFC 9113 §3.4)
    def handshake(self, settings=()):
        self.send(PREFACE)
        self.settings(settings)
        for key, value in settings:
            if key == SETTINGS_HEADER_TABLE_SIZE:
                self.decoder.settings_max = min(self.decoder.settings_max, value)
        got_settings = got_ack = False
        deadline = time.monotonic() + self.timeout
        while not (got_settings and got_ack):
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except Timeout:
                raise Fail("handshake: no %s from the server" % ("SETTINGS" if not got_settings else "SETTINGS ACK"))
            except Closed:
                raise Fail("handshake: the connection closed (%s)" % self.describe())
            if frame.type == SETTINGS and not frame.flags & ACK:
                got_settings = True
            elif frame.type == SETTINGS:
                got_ack = True
            elif frame.type == GOAWAY:
                raise Fail("handshake: %s" % frame)
        for key, value in settings:
            if key == SETTINGS_HEADER_TABLE_SIZE:
                self.decoder.settings_max = value
        self.events = []
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- requests ---------------------------------------------------------------------------

def common_headers(opts, method="GET", path="/plaintext"):
    return [(":method", method), (":scheme", "https" if opts.tls else "http"), (":path", path),
            (":authority", "%s:%d" % (opts.host, opts.port))]


def post_headers(opts, path="/payload", extra=()):
    return common_headers(opts, "POST", path) + [("content-type", "application/octet-stream")] + list(extra)


# ---- verification (h2spec's verifiers, with the error codes checked) -----------------------

def wait_for(conn, match, what, timeout=None):
    """Reads frames until match(frame) returns True (found) or raises; Fail on timeout/close."""
    deadline = time.monotonic() + (conn.timeout if timeout is None else timeout)
    while True:
        try:
            frame = conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise Fail("expected %s; timed out after %s" % (what, conn.describe()))
        except Closed:
            raise Fail("expected %s; the connection closed after %s" % (what, conn.describe()))
        if match(frame):
            return frame


def verify_connection_error(conn, *codes):
    what = "GOAWAY(%s) or connection close" % "|".join(error_name(c) for c in codes)
    deadline = time.monotonic() + conn.timeout
    while True:
        try:
            frame = conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise Fail("expected %s; timed out after %s" % (what, conn.describe()))
        except Closed:
            outcome("connection closed without GOAWAY, after %s" % conn.describe())
            return
        if frame.type == GOAWAY:
            if frame.error_code() in codes:
                outcome(str(frame))
                break
            if not conn.opts.lenient:
                raise Fail("expected %s; got %s" % (what, frame))
    verify_closed_after_goaway(conn)


def verify_closed_after_goaway(conn):
    """RFC 9113 §5.4.1: after the GOAWAY for a connection error the endpoint MUST close."""
    deadline = time.monotonic() + conn.timeout
    while True:
        try:
            conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Closed:
            return
        except Timeout:
            raise Fail("GOAWAY for a connection error, but the connection stayed open (RFC 9113 §5.4.1: "
                       "MUST close); after %s" % conn.describe())


def verify_stream_error(conn, stream_id, *codes):
    what = "RST_STREAM(stream %d, %s), GOAWAY or connection close" % (stream_id, "|".join(error_name(c) for c in codes))
    deadline = time.monotonic() + conn.timeout
    while True:
        try:
            frame = conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise Fail("expected %s; timed out after %s" % (what, conn.describe()))
        except Closed:
            outcome("connection closed, after %s" % conn.describe())
            return
        if frame.type == GOAWAY:
            if frame.error_code() in codes:
                outcome(str(frame))
                return
            if not conn.opts.lenient:
                raise Fail("expected %s; got %s" % (what, frame))
        if frame.type == RST_STREAM and frame.stream_id == stream_id:
            if frame.error_code() in codes:
                outcome(str(frame))
                return
            if not conn.opts.lenient:
                raise Fail("expected %s; got %s" % (what, frame))
        if frame.stream_id == stream_id and frame.type in (HEADERS, DATA) and frame.flags & END_STREAM \
                and not conn.opts.lenient:
            raise Fail("expected %s; the server answered the stream instead: %s" % (what, conn.describe()))


def verify_response(conn, stream_id, status=None):
    """Waits for the stream's response to end; returns (fields, body). Frames of the stream
    that arrived earlier (while waiting for another) count."""
    fields, body, ended = None, bytearray(), False
    deadline = time.monotonic() + conn.timeout
    seen = list(conn.events)
    while True:
        try:
            frame = seen.pop(0) if seen else conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise Fail("expected a response on stream %d; timed out after %s" % (stream_id, conn.describe()))
        except Closed:
            raise Fail("expected a response on stream %d; the connection closed after %s" % (stream_id, conn.describe()))
        if frame.type == GOAWAY:
            raise Fail("expected a response on stream %d; got %s" % (stream_id, frame))
        if frame.stream_id != stream_id:
            continue
        if frame.type == RST_STREAM:
            raise Fail("expected a response on stream %d; got %s" % (stream_id, frame))
        if frame.type in (HEADERS, CONTINUATION) and fields is None:
            fields = frame.headers
        elif frame.type == DATA:
            body += frame.payload[1:len(frame.payload) - frame.payload[0]] if frame.flags & PADDED else frame.payload
        if frame.type in (HEADERS, DATA) and frame.flags & END_STREAM:
            ended = True
        if ended and conn.header_block is None:
            break
    if fields is None:
        raise Fail("stream %d ended without response headers" % stream_id)
    check_response_fields(fields)
    got = dict(fields).get(":status")
    if status is not None and got != str(status):
        raise Fail("expected :status %s on stream %d; got %s (%s)" % (status, stream_id, got, bytes(body[:200])))
    outcome("response on stream %d: :status %s, %d body octets" % (stream_id, got, len(body)))
    return fields, bytes(body)


CONNECTION_SPECIFIC = ("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade")


def check_response_fields(fields):
    """What RFC 9113 requires of the server's response fields."""
    regular = False
    for name, value in fields:
        if name.startswith(":"):
            if name != ":status":
                raise Fail("response carries the pseudo-header %r (only :status is defined)" % name)
            if regular:
                raise Fail("response pseudo-header %r after a regular field" % name)
            if len(value) != 3 or not value.isdigit():
                raise Fail("response :status %r is not three digits" % value)
            continue
        regular = True
        if name != name.lower() or not name or any(c in name for c in " :\r\n\t\x00"):
            raise Fail("response field name %r is not a valid lowercase name" % name)
        if name in CONNECTION_SPECIFIC or (name == "te" and value != "trailers"):
            raise Fail("response carries the connection-specific field %r" % name)
        if any(c in value for c in "\r\n\x00") or value != value.strip(" \t"):
            raise Fail("response field %r has an invalid value %r" % (name, value))
    if [n for n, _ in fields].count(":status") != 1:
        raise Fail("response has %d :status fields" % [n for n, _ in fields].count(":status"))


def verify_headers(conn, stream_id):
    return wait_for(conn, lambda f: _not_error(f) and f.type == HEADERS and f.stream_id == stream_id,
                    "HEADERS on stream %d" % stream_id)


def _not_error(frame):
    if frame.type == GOAWAY or (frame.type == RST_STREAM):
        raise Fail("unexpected %s" % frame)
    return True


def verify_ping_ack(conn, opaque=b"h2spec\x00\x01"):
    """The connection is alive and the frame sent before was ignored."""
    conn.ping(opaque)
    frame = wait_for(conn, lambda f: _not_error(f) and f.type == PING and f.flags & ACK,
                     "PING ACK (the frame to be ignored)")
    if frame.payload != opaque:
        raise Fail("PING ACK carries %r, not the PING's %r" % (frame.payload, opaque))
    outcome("PING ACK, after %s" % conn.describe())


def verify_settings_ack(conn):
    wait_for(conn, lambda f: _not_error(f) and f.type == SETTINGS and f.flags & ACK, "SETTINGS ACK")


def data_until(conn, stream_id, expected, settle=0.3):
    """Reads until `expected` DATA octets arrived on the stream (or the timeout), then
    `settle` seconds more to catch any excess; returns the octets received."""
    total = 0
    deadline = time.monotonic() + conn.timeout
    settled = expected == 0
    if settled:
        deadline = time.monotonic() + settle
    while True:
        if not settled and total >= expected:
            settled = True
            deadline = time.monotonic() + settle
        try:
            frame = conn.read_frame(max(0.0, deadline - time.monotonic()))
        except Timeout:
            return total
        except Closed:
            raise Fail("the connection closed after %s" % conn.describe())
        if frame.type == GOAWAY or (frame.type == RST_STREAM and frame.stream_id == stream_id):
            raise Fail("unexpected %s" % frame)
        if frame.type == DATA and frame.stream_id == stream_id:
            total += len(frame.payload)


# ---- the cases ----------------------------------------------------------------------------

CASES = []


def case(case_id, description):
    def register(fn):
        CASES.append((case_id, description, fn))
        return fn
    return register


def connect(opts, settings=()):
    return Conn(opts).handshake(settings)


# generic: valid frames get valid answers

@case("generic/1/1", "Sends a client connection preface: the server's first frame is SETTINGS")
def _(o):
    c = Conn(o)
    c.send(PREFACE)
    c.settings()
    frame = wait_for(c, lambda f: True, "SETTINGS")
    if frame.type != SETTINGS or frame.flags & ACK:
        raise Fail("the server's first frame is %s, not SETTINGS" % frame)
    push = c.server_settings.get(SETTINGS_ENABLE_PUSH)
    if push not in (None, 0):
        raise Fail("the server set SETTINGS_ENABLE_PUSH=%d (RFC 9113 §6.5.2: MUST be 0)" % push)


@case("generic/2/1", "Sends a PRIORITY frame on an idle stream, then a request on it")
def _(o):
    c = connect(o)
    c.priority(1, 0)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)


@case("generic/2/2", "Sends a WINDOW_UPDATE frame on a half-closed (remote) stream")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    c.window_update(1, 1)
    verify_response(c, 1, 200)


@case("generic/2/3", "Sends a PRIORITY frame on a half-closed (remote) stream")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    c.priority(1, 0)
    verify_response(c, 1, 200)


@case("generic/2/4", "Sends a RST_STREAM frame on a half-closed (remote) stream")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    c.rst_stream(1, CANCEL)
    verify_ping_ack(c)


@case("generic/2/5", "Sends a PRIORITY frame on a closed stream")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)
    c.priority(1, 0)
    verify_ping_ack(c)


@case("generic/3.1/1", "Sends a DATA frame (POST)")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test")
    _, body = verify_response(c, 1, 200)
    if b'"received":4' not in body.replace(b" ", b""):
        raise Fail("the server did not receive the 4 bytes: %r" % body)


@case("generic/3.1/2", "Sends multiple DATA frames")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"te", end_stream=False)
    c.data(1, b"st")
    _, body = verify_response(c, 1, 200)
    if b'"received":4' not in body.replace(b" ", b""):
        raise Fail("the server did not receive the 4 bytes: %r" % body)


@case("generic/3.1/3", "Sends a DATA frame with padding")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(DATA, END_STREAM | PADDED, 1, bytes([8]) + b"test" + bytes(8))
    _, body = verify_response(c, 1, 200)
    if b'"received":4' not in body.replace(b" ", b""):
        raise Fail("the server did not receive the 4 bytes (padding counted?): %r" % body)


@case("generic/3.2/1", "Sends a HEADERS frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)


@case("generic/3.2/2", "Sends a HEADERS frame with padding")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM | END_HEADERS | PADDED, 1, bytes([8]) + block + bytes(8))
    verify_response(c, 1, 200)


@case("generic/3.2/3", "Sends a HEADERS frame with priority")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM | END_HEADERS | PRIORITY_FLAG, 1, struct.pack(">IB", 0, 255) + block)
    verify_response(c, 1, 200)


@case("generic/3.3/1", "Sends a PRIORITY frame with priority 1")
def _(o):
    c = connect(o)
    c.frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 0))
    verify_ping_ack(c)


@case("generic/3.3/2", "Sends a PRIORITY frame with priority 256")
def _(o):
    c = connect(o)
    c.frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 255))
    verify_ping_ack(c)


@case("generic/3.3/3", "Sends a PRIORITY frame with stream dependency")
def _(o):
    c = connect(o)
    c.priority(1, 0)
    c.priority(3, 1)
    verify_ping_ack(c)


@case("generic/3.3/4", "Sends a PRIORITY frame with exclusive")
def _(o):
    c = connect(o)
    c.priority(1, 0)
    c.priority(3, 1, exclusive=True)
    verify_ping_ack(c)


@case("generic/3.3/5", "Sends a PRIORITY frame for an idle stream, then a HEADERS frame for a lower stream ID")
def _(o):
    c = connect(o)
    c.priority(3, 0)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)


@case("generic/3.4/1", "Sends a RST_STREAM frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.rst_stream(1, CANCEL)
    verify_ping_ack(c)


@case("generic/3.5/1", "Sends a SETTINGS frame with SETTINGS_HEADER_TABLE_SIZE")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_HEADER_TABLE_SIZE, 0)])
    verify_settings_ack(c)


@case("generic/3.5/2", "Sends a SETTINGS frame with SETTINGS_ENABLE_PUSH")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_ENABLE_PUSH, 0)])
    verify_settings_ack(c)


@case("generic/3.5/3", "Sends a SETTINGS frame with SETTINGS_MAX_CONCURRENT_STREAMS")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_CONCURRENT_STREAMS, 100)])
    verify_settings_ack(c)


@case("generic/3.5/4", "Sends a SETTINGS frame with SETTINGS_INITIAL_WINDOW_SIZE")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 100)])
    verify_settings_ack(c)


@case("generic/3.5/5", "Sends a SETTINGS frame with SETTINGS_MAX_FRAME_SIZE")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_FRAME_SIZE, 16384)])
    verify_settings_ack(c)


@case("generic/3.5/6", "Sends a SETTINGS frame with SETTINGS_MAX_HEADER_LIST_SIZE")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_HEADER_LIST_SIZE, 1 << 16)])
    verify_settings_ack(c)


@case("generic/3.5/7", "Sends a SETTINGS frame with an undefined identifier")
def _(o):
    c = connect(o)
    c.settings([(0xFF, 1)])
    verify_settings_ack(c)


@case("generic/3.7/1", "Sends a PING frame")
def _(o):
    c = connect(o)
    verify_ping_ack(c, b"\x01\x02\x03\x04\x05\x06\x07\x08")


@case("generic/3.8/1", "Sends a GOAWAY frame: the server closes the connection")
def _(o):
    c = connect(o)
    c.goaway(0, NO_ERROR)
    try:
        while True:
            frame = c.read_frame()
            if frame.type == GOAWAY and frame.error_code() != NO_ERROR:
                raise Fail("unexpected %s" % frame)
    except Closed:
        return
    except Timeout:
        raise Fail("the connection stayed open after the client's GOAWAY with no stream open")


@case("generic/3.9/1", "Sends a WINDOW_UPDATE frame with a stream ID of 0x0")
def _(o):
    c = connect(o)
    c.window_update(0, 1)
    verify_ping_ack(c)


@case("generic/3.9/2", "Sends a WINDOW_UPDATE frame with a stream ID other than 0x0")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.window_update(1, 1)
    verify_ping_ack(c)


@case("generic/3.10/1", "Sends a CONTINUATION frame")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM, 1, block[:10])
    c.frame(CONTINUATION, END_HEADERS, 1, block[10:])
    verify_response(c, 1, 200)


@case("generic/3.10/2", "Sends multiple CONTINUATION frames")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o) + [("x-dummy%d" % i, "v" * 20) for i in range(4)])
    third = len(block) // 3
    c.frame(HEADERS, END_STREAM, 1, block[:third])
    c.frame(CONTINUATION, 0, 1, block[third:2 * third])
    c.frame(CONTINUATION, END_HEADERS, 1, block[2 * third:])
    verify_response(c, 1, 200)


@case("generic/4/1", "Sends a GET request")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o, path="/json"))
    verify_response(c, 1, 200)


@case("generic/4/2", "Sends a HEAD request: no body")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o, "HEAD"))
    fields, body = verify_response(c, 1)
    if body:
        raise Fail("HEAD response carries %d body bytes" % len(body))


@case("generic/4/3", "Sends a POST request")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "4")]), end_stream=False)
    c.data(1, b"test")
    verify_response(c, 1, 200)


@case("generic/4/4", "Sends a POST request with trailers")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.headers(1, [("trailer-field", "done")])
    _, body = verify_response(c, 1, 200)
    if b'"received":4' not in body.replace(b" ", b""):
        raise Fail("the server did not receive the 4 bytes: %r" % body)


@case("generic/4/a", "Sends requests on several streams at once (multiplexing)")
def _(o):
    c = connect(o)
    for sid in (1, 3, 5, 7):
        c.headers(sid, common_headers(o))
    for sid in (1, 3, 5, 7):
        verify_response(c, sid, 200)


@case("generic/5/1", "Sends an indexed header field representation")
def _(o):
    c = connect(o)
    block = bytes([0x82, 0x86 if not o.tls else 0x87]) + encode_literal(":path", "/plaintext") \
        + encode_literal(":authority", "%s:%d" % (o.host, o.port))
    c.headers(1, None, block=block)
    verify_response(c, 1, 200)


@case("generic/5/2", "Sends a literal header field with incremental indexing - indexed name")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o)) + encode_int(58, 6, 0x40) + encode_str("h2-conformance")
    c.headers(1, None, block=block)
    verify_response(c, 1, 200)


@case("generic/5/3", "Sends a literal header field with incremental indexing - new name, then uses the entry")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_literal("x-test", "one", indexing=0x40))
    verify_response(c, 1, 200)
    c.headers(3, None, block=encode_headers(common_headers(o)) + bytes([0x80 | 62]))  # the dynamic entry
    verify_response(c, 3, 200)


@case("generic/5/4", "Sends a literal header field without indexing - indexed name")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o)) + encode_int(58, 4, 0x00) + encode_str("h2-conformance")
    c.headers(1, None, block=block)
    verify_response(c, 1, 200)


@case("generic/5/5", "Sends a literal header field without indexing - new name")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_literal("x-test", "one"))
    verify_response(c, 1, 200)


@case("generic/5/6", "Sends a literal header field never indexed - indexed name")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o)) + encode_int(58, 4, 0x10) + encode_str("h2-conformance")
    c.headers(1, None, block=block)
    verify_response(c, 1, 200)


@case("generic/5/7", "Sends a literal header field never indexed - new name")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_literal("x-test", "one", indexing=0x10))
    verify_response(c, 1, 200)


@case("generic/5/8", "Sends a dynamic table size update at the start of a header block")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_int(0, 5, 0x20) + encode_headers(common_headers(o)))
    verify_response(c, 1, 200)


@case("generic/5/9", "Sends Huffman-encoded header fields")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o), huffman=True))
    verify_response(c, 1, 200)


# http2/3.5: connection preface

@case("http2/3.5/1", "Sends a client connection preface")
def _(o):
    c = Conn(o)
    c.send(PREFACE)
    c.settings()
    wait_for(c, lambda f: f.type == SETTINGS and not f.flags & ACK, "SETTINGS")


@case("http2/3.5/2", "Sends an invalid connection preface")
def _(o):
    c = Conn(o)
    c.send(b"INVALID CONNECTION PREFACE\r\n\r\n")
    # Over cleartext the server may take it for HTTP/1.1; anything it says must end in a close.
    deadline = time.monotonic() + o.timeout
    while True:
        try:
            c._fill(deadline)
        except Closed:
            return
        except Timeout:
            raise Fail("the connection stayed open after an invalid preface (got %r)" % bytes(c.buffer[:80]))


@case("http2/3.5/a", "Sends a preface whose last octets are wrong (PRI * HTTP/2.0 ... XX)")
def _(o):
    c = Conn(o)
    c.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
    deadline = time.monotonic() + o.timeout
    while True:
        try:
            c._fill(deadline)
        except Closed:
            return
        except Timeout:
            raise Fail("the connection stayed open after an invalid preface (got %r)" % bytes(c.buffer[:80]))


# http2/4.1: frame format

@case("http2/4.1/1", "Sends a frame with an unknown type")
def _(o):
    c = connect(o)
    c.frame(0x16, 0, 0, b"\x00" * 8)
    verify_ping_ack(c)


@case("http2/4.1/2", "Sends a frame with undefined flags")
def _(o):
    c = connect(o)
    c.frame(PING, 0x16, 0, b"h2spec\x00\x01")
    wait_for(c, lambda f: _not_error(f) and f.type == PING and f.flags & ACK, "PING ACK")


@case("http2/4.1/3", "Sends a frame with the reserved bit of the stream identifier set")
def _(o):
    c = connect(o)
    c.frame(HEADERS, END_STREAM | END_HEADERS, 0x80000001, encode_headers(common_headers(o)))
    verify_response(c, 1, 200)


# http2/4.2: frame size

@case("http2/4.2/1", "Sends a DATA frame with 2^14 octets in length")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"x" * 16384)
    verify_response(c, 1, 200)


@case("http2/4.2/2", "Sends a large DATA frame that exceeds SETTINGS_MAX_FRAME_SIZE")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"x" * (c.server_settings.get(SETTINGS_MAX_FRAME_SIZE, 16384) + 1))
    verify_stream_error(c, 1, FRAME_SIZE_ERROR)


@case("http2/4.2/3", "Sends a large HEADERS frame that exceeds SETTINGS_MAX_FRAME_SIZE")
def _(o):
    c = connect(o)
    limit = c.server_settings.get(SETTINGS_MAX_FRAME_SIZE, 16384)
    fields = common_headers(o) + [("x-dummy%d" % i, "a" * 100) for i in range(limit // 100 + 2)]
    block = encode_headers(fields)
    c.frame(HEADERS, END_STREAM | END_HEADERS, 1, block)
    verify_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/4.2/a", "Sends a SETTINGS frame larger than SETTINGS_MAX_FRAME_SIZE")
def _(o):
    c = connect(o)
    c.frame(SETTINGS, 0, 0, settings_payload([(0xFF, 0)] * 2731))  # 16386 octets
    verify_connection_error(c, FRAME_SIZE_ERROR)


# http2/4.3: header compression

@case("http2/4.3/1", "Sends an invalid header block fragment")
def _(o):
    c = connect(o)
    c.headers(1, None, block=b"\x00\x85\xf2\xb2")  # a literal name cut short
    verify_connection_error(c, COMPRESSION_ERROR)


@case("http2/4.3/2", "Sends a PRIORITY frame while sending the header blocks")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o), end_headers=False)
    c.priority(1, 0)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/4.3/3", "Sends a HEADERS frame to another stream while sending the header blocks")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o), end_headers=False)
    c.headers(3, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


# http2/5.1: stream states

@case("http2/5.1/1", "idle: Sends a DATA frame")
def _(o):
    c = connect(o)
    c.data(1, b"test")
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/2", "idle: Sends a RST_STREAM frame")
def _(o):
    c = connect(o)
    c.rst_stream(1, CANCEL)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/3", "idle: Sends a WINDOW_UPDATE frame")
def _(o):
    c = connect(o)
    c.window_update(1, 100)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/4", "idle: Sends a CONTINUATION frame")
def _(o):
    c = connect(o)
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers(common_headers(o)))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1/5", "half closed (remote): Sends a DATA frame")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])  # the response cannot end the stream
    c.headers(1, common_headers(o))
    c.data(1, b"test")
    verify_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/6", "half closed (remote): Sends a HEADERS frame")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    c.headers(1, common_headers(o))
    verify_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/7", "half closed (remote): Sends a CONTINUATION frame")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/8", "closed: Sends a DATA frame after sending RST_STREAM frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.rst_stream(1, CANCEL)
    c.data(1, b"test")
    verify_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/9", "closed: Sends a HEADERS frame after sending RST_STREAM frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.rst_stream(1, CANCEL)
    c.headers(1, common_headers(o))
    verify_stream_error(c, 1, STREAM_CLOSED)


@case("http2/5.1/10", "closed: Sends a CONTINUATION frame after sending RST_STREAM frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.rst_stream(1, CANCEL)
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_stream_error(c, 1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/11", "closed: Sends a DATA frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1)
    c.data(1, b"test")
    verify_connection_error(c, STREAM_CLOSED)


@case("http2/5.1/12", "closed: Sends a HEADERS frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1)
    c.headers(1, common_headers(o))
    verify_connection_error(c, STREAM_CLOSED)


@case("http2/5.1/13", "closed: Sends a CONTINUATION frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1)
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_connection_error(c, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1.1/1", "Sends an even-numbered stream identifier")
def _(o):
    c = connect(o)
    c.headers(2, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1.1/2", "Sends a stream identifier that is numerically smaller than the previous")
def _(o):
    c = connect(o)
    c.headers(5, common_headers(o))
    verify_response(c, 5)
    c.headers(3, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1.1/a", "Sends HEADERS on stream 5 then on stream 3 back to back (h2spec's sequence)")
def _(o):
    c = connect(o)
    c.headers(5, common_headers(o))
    c.headers(3, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1.1/b", "Sends HEADERS on an id the client passed over (1, 7, then 5)")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    c.headers(7, common_headers(o))
    verify_response(c, 7, 200)
    c.headers(5, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.1.1/c", "Trailers on a lower, still open stream are not mistaken for a new stream")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.headers(3, common_headers(o))
    c.data(1, b"test", end_stream=False)
    c.headers(1, [("x-trailer", "1")])
    verify_response(c, 1, 200)
    verify_response(c, 3, 200)


@case("http2/5.1.2/1", "Sends HEADERS frames that exceed the advertised SETTINGS_MAX_CONCURRENT_STREAMS")
def _(o):
    c = connect(o)
    limit = c.server_settings.get(SETTINGS_MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 1000:
        raise Skip("SETTINGS_MAX_CONCURRENT_STREAMS is %s" % limit)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 0)])  # responses cannot finish their streams
    block = encode_headers(common_headers(o))
    frames = b"".join(frame_bytes(HEADERS, END_STREAM | END_HEADERS, 1 + 2 * i, block) for i in range(limit + 1))
    c.send(frames)
    verify_stream_error(c, 1 + 2 * limit, PROTOCOL_ERROR, REFUSED_STREAM)


@case("http2/5.1.2/a", "Streams up to SETTINGS_MAX_CONCURRENT_STREAMS are all accepted")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])  # responses cannot finish their streams
    limit = c.server_settings.get(SETTINGS_MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 1000:
        raise Skip("SETTINGS_MAX_CONCURRENT_STREAMS is %s" % limit)
    block = encode_headers(common_headers(o))
    c.send(b"".join(frame_bytes(HEADERS, END_STREAM | END_HEADERS, 1 + 2 * i, block) for i in range(limit)))
    answered = set()
    while len(answered) < limit:
        frame = wait_for(c, lambda f: _not_error(f) and f.type == HEADERS, "HEADERS on each of %d streams "
                         "(%d so far)" % (limit, len(answered)))
        answered.add(frame.stream_id)
    outcome("%d streams answered" % len(answered))


# http2/5.3: priority

@case("http2/5.3.1/1", "Sends a HEADERS frame that depends on itself")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM | END_HEADERS | PRIORITY_FLAG, 1, struct.pack(">IB", 1, 15) + block)
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/5.3.1/2", "Sends a PRIORITY frame that depends on itself")
def _(o):
    c = connect(o)
    c.priority(2 + 1, 3)
    verify_stream_error(c, 3, PROTOCOL_ERROR)


# http2/5.4: error handling

@case("http2/5.4.1/1", "Sends an invalid PING frame for connection close")
def _(o):
    c = connect(o)
    c.frame(PING, 0, 0, b"\x00" * 6)
    verify_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/5.4.1/2", "Sends an invalid PING frame to receive GOAWAY with the last processed stream")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)
    c.frame(PING, 0, 0, b"\x00" * 6)
    frame = wait_for(c, lambda f: f.type == GOAWAY, "GOAWAY")
    if frame.error_code() != FRAME_SIZE_ERROR and not o.lenient:
        raise Fail("expected GOAWAY(FRAME_SIZE_ERROR); got %s" % frame)
    if frame.last_stream_id() != 1:
        raise Fail("GOAWAY names last stream %d; stream 1 was processed" % frame.last_stream_id())
    verify_closed_after_goaway(c)


@case("http2/5.4.2/a", "A stream error leaves the connection usable")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o) + [("connection", "close")])
    verify_stream_error(c, 1, PROTOCOL_ERROR)
    c.headers(3, common_headers(o))
    verify_response(c, 3, 200)


# http2/5.5: extending HTTP/2

@case("http2/5.5/1", "Sends an unknown extension frame")
def _(o):
    c = connect(o)
    c.frame(0xFF, 0xFF, 0, b"unknown")
    c.frame(0xFE, 0, 1, b"unknown")  # on an idle stream too
    verify_ping_ack(c)


@case("http2/5.5/2", "Sends an unknown extension frame in the middle of a header block")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o), end_headers=False)
    c.frame(0xFF, 0, 0, b"unknown")
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/5.5/a", "Sends an unknown SETTINGS identifier and an unknown frame on an open stream")
def _(o):
    c = connect(o, [(0x1234, 99)])
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(0xEE, 0, 1, b"ext")
    c.data(1, b"test")
    verify_response(c, 1, 200)


# http2/6.1: DATA

@case("http2/6.1/1", "Sends a DATA frame with 0x0 stream identifier")
def _(o):
    c = connect(o)
    c.data(0, b"test")
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.1/2", "Sends a DATA frame on the stream that is not in open or half-closed (local) state")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    c.data(1, b"test")
    verify_stream_error(c, 1, STREAM_CLOSED)


@case("http2/6.1/3", "Sends a DATA frame with invalid pad length")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(DATA, END_STREAM | PADDED, 1, bytes([6]) + b"test")  # pad length 6 > 4 remaining
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.1/a", "Sends a DATA frame whose pad length equals the remaining payload (empty data)")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(DATA, END_STREAM | PADDED, 1, bytes([4]) + bytes(4))
    verify_response(c, 1, 200)


@case("http2/6.1/b", "Sends a padded DATA frame with no pad length octet")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(DATA, END_STREAM | PADDED, 1, b"")
    verify_connection_error(c, PROTOCOL_ERROR, FRAME_SIZE_ERROR)


# http2/6.2: HEADERS

@case("http2/6.2/1", "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o), end_headers=False)
    c.priority(1, 0)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/2", "Sends a HEADERS frame to another stream while sending a HEADERS frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o), end_headers=False)
    c.headers(3, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/3", "Sends a HEADERS frame with 0x0 stream identifier")
def _(o):
    c = connect(o)
    c.headers(0, common_headers(o))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.2/4", "Sends a HEADERS frame with invalid pad length")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM | END_HEADERS | PADDED, 1, bytes([len(block) + 1]) + block)
    verify_connection_error(c, PROTOCOL_ERROR)


# http2/6.3: PRIORITY

@case("http2/6.3/1", "Sends a PRIORITY frame with 0x0 stream identifier")
def _(o):
    c = connect(o)
    c.priority(0, 1)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.3/2", "Sends a PRIORITY frame with a length other than 5 octets")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(PRIORITY, 0, 1, struct.pack(">I", 0))
    verify_stream_error(c, 1, FRAME_SIZE_ERROR)


# http2/6.4: RST_STREAM

@case("http2/6.4/1", "Sends a RST_STREAM frame with 0x0 stream identifier")
def _(o):
    c = connect(o)
    c.rst_stream(0, CANCEL)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.4/2", "Sends a RST_STREAM frame on an idle stream")
def _(o):
    c = connect(o)
    c.rst_stream(3, CANCEL)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.4/3", "Sends a RST_STREAM frame with a length other than 4 octets")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(RST_STREAM, 0, 1, b"\x00\x00\x08")
    verify_connection_error(c, FRAME_SIZE_ERROR)


# http2/6.5: SETTINGS

@case("http2/6.5/1", "Sends a SETTINGS frame with ACK flag and payload")
def _(o):
    c = connect(o)
    c.frame(SETTINGS, ACK, 0, settings_payload([(SETTINGS_ENABLE_PUSH, 0)]))
    verify_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.5/2", "Sends a SETTINGS frame with a stream identifier other than 0x0")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_CONCURRENT_STREAMS, 100)], stream_id=1)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5/3", "Sends a SETTINGS frame with a length other than a multiple of 6 octets")
def _(o):
    c = connect(o)
    c.frame(SETTINGS, 0, 0, settings_payload([(SETTINGS_MAX_CONCURRENT_STREAMS, 100)])[:3])
    verify_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.5.2/1", "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_ENABLE_PUSH, 2)])
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/2", "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)])
    verify_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.5.2/3", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_FRAME_SIZE, 16383)])
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/4", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_MAX_FRAME_SIZE, 1 << 24)])
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.5.2/5", "Sends a SETTINGS frame with an unknown identifier")
def _(o):
    c = connect(o)
    c.settings([(0xFF, 0)])
    verify_settings_ack(c)
    verify_ping_ack(c)


@case("http2/6.5.2/a", "SETTINGS_ENABLE_PUSH=1 from a client is valid")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_ENABLE_PUSH, 1)])
    verify_settings_ack(c)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)


@case("http2/6.5.2/b", "SETTINGS_HEADER_TABLE_SIZE=0: the server's encoder keeps within it")
def _(o):
    c = connect(o, [(SETTINGS_HEADER_TABLE_SIZE, 0)])
    for sid in (1, 3):
        c.headers(sid, common_headers(o))
        verify_response(c, sid, 200)
    if c.decoder.dynamic:
        raise Fail("the server's encoder added entries to a table limited to 0: %r" % c.decoder.dynamic)


@case("http2/6.5.2/c", "SETTINGS_MAX_FRAME_SIZE=16384: the server sends no larger frame")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o, path="/payload?size=50000"))
    verify_response(c, 1, 200)
    big = [f for f in c.events if len(f.payload) > 16384]
    if big:
        raise Fail("the server sent %s over the 16384 limit" % big[0])


@case("http2/6.5.2/d", "SETTINGS_MAX_FRAME_SIZE raised: larger DATA frames are allowed, the body is intact")
def _(o):
    c = connect(o, [(SETTINGS_MAX_FRAME_SIZE, 65536), (SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)])
    c.window_update(0, 1 << 20)
    c.headers(1, common_headers(o, path="/payload?size=50000"))
    _, body = verify_response(c, 1, 200)
    if len(body) != 50000:
        raise Fail("got %d body bytes, expected 50000" % len(body))
    big = [f for f in c.events if len(f.payload) > 65536]
    if big:
        raise Fail("the server sent %s over the 65536 limit" % big[0])


@case("http2/6.5.3/1", "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE: the last one applies")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 100), (SETTINGS_INITIAL_WINDOW_SIZE, 1)])
    c.headers(1, common_headers(o))
    frame = wait_for(c, lambda f: _not_error(f) and f.type == DATA and f.stream_id == 1, "DATA on stream 1")
    if len(frame.payload) != 1:
        raise Fail("DATA of %d octets with an initial window of 1" % len(frame.payload))


@case("http2/6.5.3/2", "Sends a SETTINGS frame without ACK flag: the server acknowledges it")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_ENABLE_PUSH, 0)])
    verify_settings_ack(c)


# http2/6.7: PING

@case("http2/6.7/1", "Sends a PING frame")
def _(o):
    c = connect(o)
    verify_ping_ack(c, b"\xff" * 8)


@case("http2/6.7/2", "Sends a PING frame with ACK: the server does not answer it")
def _(o):
    c = connect(o)
    c.ping(b"unwanted", ack=True)
    c.ping(b"expected")
    frame = wait_for(c, lambda f: _not_error(f) and f.type == PING, "PING ACK")
    if frame.payload != b"expected" or not frame.flags & ACK:
        raise Fail("the server answered a PING ACK: %s %r" % (frame, frame.payload))


@case("http2/6.7/3", "Sends a PING frame with a stream identifier other than 0x0")
def _(o):
    c = connect(o)
    c.frame(PING, 0, 1, b"h2spec\x00\x01")
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.7/4", "Sends a PING frame with a length other than 8")
def _(o):
    c = connect(o)
    c.frame(PING, 0, 0, b"h2spec")
    verify_connection_error(c, FRAME_SIZE_ERROR)


# http2/6.8: GOAWAY

@case("http2/6.8/1", "Sends a GOAWAY frame with a stream identifier other than 0x0")
def _(o):
    c = connect(o)
    c.frame(GOAWAY, 0, 1, struct.pack(">II", 0, NO_ERROR))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.8/a", "Sends a GOAWAY frame: streams already open are still answered")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.goaway(0, NO_ERROR)  # last stream: the server's (even) streams, none
    c.data(1, b"test")
    verify_response(c, 1, 200)


# http2/6.9: WINDOW_UPDATE

@case("http2/6.9/1", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0")
def _(o):
    c = connect(o)
    c.window_update(0, 0)
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.9/2", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.window_update(1, 0)
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/6.9/3", "Sends a WINDOW_UPDATE frame with a length other than 4 octets")
def _(o):
    c = connect(o)
    c.frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01")
    verify_connection_error(c, FRAME_SIZE_ERROR)


@case("http2/6.9.1/1", "Sends SETTINGS to set the initial window size to 1 and sends HEADERS")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 1)])
    c.headers(1, common_headers(o))
    frame = wait_for(c, lambda f: _not_error(f) and f.type == DATA and f.stream_id == 1, "DATA on stream 1")
    if len(frame.payload) != 1:
        raise Fail("DATA of %d octets with an initial window of 1" % len(frame.payload))


@case("http2/6.9.1/2", "Sends WINDOW_UPDATE frames increasing the connection window above 2^31-1")
def _(o):
    c = connect(o)
    c.send(frame_bytes(WINDOW_UPDATE, 0, 0, struct.pack(">I", MAX_WINDOW)) * 2)
    verify_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.9.1/3", "Sends WINDOW_UPDATE frames increasing a stream's window above 2^31-1")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o, path="/payload?size=1000000"))
    verify_headers(c, 1)
    c.send(frame_bytes(WINDOW_UPDATE, 0, 1, struct.pack(">I", MAX_WINDOW)) * 2)
    verify_stream_error(c, 1, FLOW_CONTROL_ERROR)


@case("http2/6.9.1/a", "A tiny stream window is respected: no more DATA than the window allows")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 10)])
    c.headers(1, common_headers(o, path="/payload?size=100000"))
    got = data_until(c, 1, 10)
    if got != 10:
        raise Fail("received %d DATA octets on a stream window of 10" % got)
    c.window_update(1, 50)
    got += data_until(c, 1, 50)
    if got != 60:
        raise Fail("received %d DATA octets after widening the window to 60" % got)


@case("http2/6.9.1/b", "The connection window is respected: 65535 octets without WINDOW_UPDATE on stream 0")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)])
    c.headers(1, common_headers(o, path="/payload?size=200000"))
    got = data_until(c, 1, 65535)
    if got != 65535:
        raise Fail("received %d DATA octets on a connection window of 65535" % got)
    c.window_update(0, 10000)
    got += data_until(c, 1, 10000)
    if got != 75535:
        raise Fail("received %d DATA octets after widening the connection window by 10000" % got)


@case("http2/6.9.1/c", "The server's own receive windows: a 65535-octet upload needs no WINDOW_UPDATE")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    for _ in range(3):
        c.data(1, b"x" * 16384, end_stream=False)
    c.data(1, b"x" * (65535 - 3 * 16384))
    _, body = verify_response(c, 1, 200)
    if b'"received":65535' not in body.replace(b" ", b""):
        raise Fail("unexpected body %r" % body)


@case("http2/6.9.2/1", "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    verify_headers(c, 1)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 1)])
    frame = wait_for(c, lambda f: _not_error(f) and f.type == DATA and f.stream_id == 1, "DATA on stream 1")
    if len(frame.payload) != 1:
        raise Fail("DATA of %d octets with a window of 1" % len(frame.payload))


@case("http2/6.9.2/2", "Sends a SETTINGS frame for window size to be negative")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 5)])
    c.headers(1, common_headers(o, path="/payload?size=100"))
    got = data_until(c, 1, 5)
    if got != 5:
        raise Fail("received %d DATA octets on a window of 5" % got)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 3)])  # the window is now -2
    verify_settings_ack(c)
    c.window_update(1, 2)  # 0
    got = data_until(c, 1, 0)
    if got:
        raise Fail("received %d DATA octets while the window was <= 0" % got)
    c.window_update(1, 1)
    got = data_until(c, 1, 1)
    if got != 1:
        raise Fail("received %d DATA octets on a window of 1" % got)


@case("http2/6.9.2/3", "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value")
def _(o):
    c = connect(o)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)])
    verify_connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.9.2/a", "Sends a SETTINGS_INITIAL_WINDOW_SIZE change that overflows an open stream's window")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o, path="/payload?size=65535"))  # uses up the connection window
    verify_response(c, 1, 200)
    c.headers(3, common_headers(o, path="/payload?size=100000"))  # cannot send: no connection window
    verify_headers(c, 3)
    c.window_update(3, MAX_WINDOW - 65535)  # stream 3's window: 2^31-1
    verify_ping_ack(c)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 65536)])  # stream 3's window: 2^31
    verify_connection_error(c, FLOW_CONTROL_ERROR)  # RFC 9113 §6.9.2: a connection error


@case("http2/6.9.2/c", "Sends an INITIAL_WINDOW_SIZE increase that keeps every window within 2^31-1")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o, path="/payload?size=65535"))
    verify_response(c, 1, 200)
    c.headers(3, common_headers(o, path="/payload?size=100000"))
    verify_headers(c, 3)
    c.window_update(3, MAX_WINDOW - 65535 - 10)
    verify_ping_ack(c)
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 65545)])  # stream 3's window: exactly 2^31-1
    verify_settings_ack(c)
    c.window_update(0, 1000)
    if data_until(c, 3, 1000) != 1000:
        raise Fail("stream 3 did not go on within the connection window")


# http2/6.10: CONTINUATION

@case("http2/6.10/1", "Sends multiple CONTINUATION frames preceded by a HEADERS frame")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o) + [("x-dummy%d" % i, "v" * 20) for i in range(4)])
    c.frame(HEADERS, END_STREAM, 1, block[:20])
    c.frame(CONTINUATION, 0, 1, block[20:40])
    c.frame(CONTINUATION, END_HEADERS, 1, block[40:])
    verify_response(c, 1, 200)


@case("http2/6.10/2", "Sends a CONTINUATION frame followed by any frame other than CONTINUATION")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM, 1, block[:10])
    c.frame(CONTINUATION, 0, 1, block[10:20])
    c.data(1, b"test")
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/3", "Sends a CONTINUATION frame with 0x0 stream identifier")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM, 1, block[:10])
    c.frame(CONTINUATION, END_HEADERS, 0, block[10:])
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/4", "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, common_headers(o))
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/5", "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag")
def _(o):
    c = connect(o, [(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM, 1, block[:10])
    c.frame(CONTINUATION, END_HEADERS, 1, block[10:])
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/6", "Sends a CONTINUATION frame preceded by a DATA frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.frame(CONTINUATION, END_HEADERS, 1, encode_headers([("x-dummy", "1")]))
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/a", "Sends a CONTINUATION frame on another stream than the HEADERS frame")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o))
    c.frame(HEADERS, END_STREAM, 1, block[:10])
    c.frame(CONTINUATION, END_HEADERS, 3, block[10:])
    verify_connection_error(c, PROTOCOL_ERROR)


@case("http2/6.10/b", "Sends a header block of 8 CONTINUATION frames (a legitimate size)")
def _(o):
    c = connect(o)
    block = encode_headers(common_headers(o) + [("x-dummy%d" % i, "v" * 40) for i in range(8)])
    size = len(block) // 9 + 1
    parts = [block[i:i + size] for i in range(0, len(block), size)]
    c.frame(HEADERS, END_STREAM, 1, parts[0])
    for i, part in enumerate(parts[1:]):
        c.frame(CONTINUATION, END_HEADERS if i == len(parts) - 2 else 0, 1, part)
    verify_response(c, 1, 200)


# http2/7: error codes

@case("http2/7/1", "Sends a GOAWAY frame with an unknown error code")
def _(o):
    c = connect(o)
    c.goaway(0, 0xFF)
    try:
        while True:
            frame = c.read_frame()
            if frame.type == GOAWAY and frame.error_code() != NO_ERROR:
                raise Fail("the unknown code triggered %s" % frame)
    except Closed:
        return
    except Timeout:
        raise Fail("the connection stayed open after the client's GOAWAY with no stream open")


@case("http2/7/2", "Sends a RST_STREAM frame with an unknown error code")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.rst_stream(1, 0xFF)
    verify_ping_ack(c)


# http2/8.1: HTTP request/response exchange

@case("http2/8.1/1", "Sends a second HEADERS frame without the END_STREAM flag")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.headers(1, [("x-trailer", "1")], end_stream=False)
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1/a", "Sends trailers that contain a pseudo-header field")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.headers(1, [(":method", "POST")])
    verify_stream_error(c, 1, PROTOCOL_ERROR)


def malformed(case_id, description, fields_fn, end_stream=True):
    @case(case_id, description)
    def _(o):
        c = connect(o)
        c.headers(1, fields_fn(o), end_stream=end_stream)
        if not end_stream:
            c.data(1, b"test")
        verify_stream_error(c, 1, PROTOCOL_ERROR)


def without(fields, name):
    return [f for f in fields if f[0] != name]


malformed("http2/8.1.2/1", "Sends a HEADERS frame that contains a field name in uppercase letters",
          lambda o: common_headers(o) + [("X-TEST", "ok")])
malformed("http2/8.1.2.1/1", "Sends a HEADERS frame that contains an unknown pseudo-header field",
          lambda o: common_headers(o) + [(":test", "ok")])
malformed("http2/8.1.2.1/2", "Sends a HEADERS frame that contains a response pseudo-header field",
          lambda o: common_headers(o) + [(":status", "200")])
malformed("http2/8.1.2.1/4", "Sends a HEADERS frame that contains a pseudo-header field after a regular field",
          lambda o: common_headers(o)[:3] + [("x-test", "ok"), common_headers(o)[3]])
malformed("http2/8.1.2.2/1", "Sends a HEADERS frame that contains the connection-specific field connection",
          lambda o: common_headers(o) + [("connection", "keep-alive")])
malformed("http2/8.1.2.2/2", "Sends a HEADERS frame that contains the TE field with any value other than trailers",
          lambda o: common_headers(o) + [("te", "trailers, deflate")])
malformed("http2/8.1.2.2/a", "Sends the connection-specific field keep-alive",
          lambda o: common_headers(o) + [("keep-alive", "timeout=5")])
malformed("http2/8.1.2.2/b", "Sends the connection-specific field proxy-connection",
          lambda o: common_headers(o) + [("proxy-connection", "keep-alive")])
malformed("http2/8.1.2.2/c", "Sends the connection-specific field transfer-encoding",
          lambda o: post_headers(o) + [("transfer-encoding", "chunked")], end_stream=False)
malformed("http2/8.1.2.2/d", "Sends the connection-specific field upgrade",
          lambda o: common_headers(o) + [("upgrade", "h2c")])
malformed("http2/8.1.2.3/1", "Sends a HEADERS frame with an empty :path pseudo-header field",
          lambda o: [(n, "" if n == ":path" else v) for n, v in common_headers(o)])
malformed("http2/8.1.2.3/2", "Sends a HEADERS frame that omits the :method pseudo-header field",
          lambda o: without(common_headers(o), ":method"))
malformed("http2/8.1.2.3/3", "Sends a HEADERS frame that omits the :scheme pseudo-header field",
          lambda o: without(common_headers(o), ":scheme"))
malformed("http2/8.1.2.3/4", "Sends a HEADERS frame that omits the :path pseudo-header field",
          lambda o: without(common_headers(o), ":path"))
malformed("http2/8.1.2.3/5", "Sends a HEADERS frame with a duplicated :method pseudo-header field",
          lambda o: common_headers(o) + [(":method", "GET")])
malformed("http2/8.1.2.3/6", "Sends a HEADERS frame with a duplicated :scheme pseudo-header field",
          lambda o: common_headers(o) + [(":scheme", "http")])
malformed("http2/8.1.2.3/7", "Sends a HEADERS frame with a duplicated :path pseudo-header field",
          lambda o: common_headers(o) + [(":path", "/plaintext")])
malformed("http2/8.1.2.3/a", "Sends a HEADERS frame with a duplicated :authority pseudo-header field",
          lambda o: common_headers(o) + [(":authority", "other")])
malformed("http2/8.2.1/a", "Sends a field name containing a space (RFC 9113 §8.2.1)",
          lambda o: common_headers(o) + [("x test", "ok")])
malformed("http2/8.2.1/b", "Sends a field name containing a colon after the first octet",
          lambda o: common_headers(o) + [("x:test", "ok")])
malformed("http2/8.2.1/c", "Sends a field value containing NUL",
          lambda o: common_headers(o) + [("x-test", "a\x00b")])
malformed("http2/8.2.1/d", "Sends a field value containing CR LF",
          lambda o: common_headers(o) + [("x-test", "a\r\nx-injected: 1")])
malformed("http2/8.2.1/e", "Sends an empty field name",
          lambda o: common_headers(o) + [("", "ok")])
malformed("http2/8.2.1/f", "Sends a field value with leading whitespace",
          lambda o: common_headers(o) + [("x-test", " ok")])
malformed("http2/8.2.1/g", "Sends a field value with trailing whitespace",
          lambda o: common_headers(o) + [("x-test", "ok\t")])
malformed("http2/8.3.1/a", "Sends an OPTIONS request without :path",
          lambda o: without(common_headers(o, "OPTIONS"), ":path"))
malformed("http2/8.5/a", "Sends a CONNECT request with :scheme and :path",
          lambda o: common_headers(o, "CONNECT"))


@case("http2/8.1.2.1/3", "Sends a HEADERS frame that contains a pseudo-header field as trailers")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.headers(1, [(":path", "/payload")])
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1.2.2/e", "te: trailers is allowed")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o) + [("te", "trailers")])
    verify_response(c, 1, 200)


@case("http2/8.1.2.6/1", "Sends a HEADERS frame with a content-length that does not match the DATA frames")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "1")]), end_stream=False)
    c.data(1, b"test")
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1.2.6/2", "Sends multiple DATA frames whose sum does not match the content-length")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "1")]), end_stream=False)
    c.data(1, b"test", end_stream=False)
    c.data(1, b"test")
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1.2.6/a", "Sends less DATA than the content-length says")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "10")]), end_stream=False)
    c.data(1, b"test")
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1.2.6/b", "Sends a content-length on a request that ends with its HEADERS")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "4")]))
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/8.1.2.6/c", "Sends a content-length that is not a number")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "four")]), end_stream=False)
    c.data(1, b"test")
    verify_stream_error(c, 1, PROTOCOL_ERROR)


@case("http2/5.1/a", "Frames in flight on a stream the server reset are ignored (RFC 9113 §5.1 closed)")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o, extra=[("content-length", "1")]), end_stream=False)
    c.data(1, b"test", end_stream=False)  # more than content-length: the server resets the stream
    verify_stream_error(c, 1, PROTOCOL_ERROR)
    c.data(1, b"more", end_stream=False)  # what the client had sent before it saw RST_STREAM
    c.window_update(1, 100)
    c.data(1, b"")
    c.rst_stream(1, CANCEL)
    verify_ping_ack(c)
    c.headers(3, common_headers(o))
    verify_response(c, 3, 200)


def send_body(c, stream_id, total, stop):
    """Sends `total` octets of DATA within the server's flow-control windows, reading its
    frames as it goes; returns early when stop(frame) is true for a frame read."""
    conn_window = 65535
    stream_window = c.server_settings.get(SETTINGS_INITIAL_WINDOW_SIZE, 65535)
    sent = 0
    deadline = time.monotonic() + 10 * c.timeout
    while sent < total:
        n = min(16384, total - sent, conn_window, stream_window)
        if n > 0:
            c.data(stream_id, b"x" * n, end_stream=False)
            sent += n
            conn_window -= n
            stream_window -= n
            continue
        frame = c.read_frame(max(0.0, deadline - time.monotonic()))
        if frame.type == WINDOW_UPDATE:
            increment = struct.unpack(">I", frame.payload)[0] & 0x7FFFFFFF
            if frame.stream_id == 0:
                conn_window += increment
            elif frame.stream_id == stream_id:
                stream_window += increment
        if stop(frame):
            return sent
    return sent


@case("http2/8.1/b", "An early answer (413) ends the upload with RST_STREAM(NO_ERROR); DATA in flight is ignored")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    send_body(c, 1, 4 << 20, lambda f: f.stream_id == 1 and f.type in (RST_STREAM, GOAWAY) or f.type == GOAWAY)
    reset = [f for f in c.events if f.type == RST_STREAM and f.stream_id == 1]
    statuses = [dict(f.headers).get(":status") for f in c.events if f.type == HEADERS and f.stream_id == 1]
    if statuses != ["413"]:
        raise Fail("expected a 413 answer on stream 1; got %s after %s" % (statuses, c.describe()))
    if not reset or reset[0].error_code() != NO_ERROR:
        raise Fail("expected RST_STREAM(NO_ERROR) after the early answer; got %s" % c.describe())
    c.data(1, b"x" * 1000)  # in flight when the reset arrived
    verify_ping_ack(c)
    c.headers(3, common_headers(o))
    verify_response(c, 3, 200)


@case("http2/3.2/a", "h2c Upgrade: 101, the server's SETTINGS first, then the response on stream 1")
def _(o):
    if o.tls:
        raise Skip("cleartext only")
    c = upgrade(o, b"AAQAAAAB")  # HTTP2-Settings: SETTINGS_INITIAL_WINDOW_SIZE=1
    frame = wait_for(c, lambda f: _not_error(f) and f.type == DATA and f.stream_id == 1, "DATA on stream 1")
    if len(frame.payload) != 1:
        raise Fail("DATA of %d octets; HTTP2-Settings set the initial window to 1" % len(frame.payload))
    c.settings([(SETTINGS_INITIAL_WINDOW_SIZE, 65535)])
    _, body = verify_response(c, 1, 200)
    c.headers(3, common_headers(o))
    verify_response(c, 3, 200)


@case("http2/3.2/b", "h2c Upgrade: the client cannot send on stream 1 (half-closed (remote) for the server)")
def _(o):
    if o.tls:
        raise Skip("cleartext only")
    c = upgrade(o, b"AAQAAAAA")  # initial window 0: stream 1 stays open on the server's side
    c.data(1, b"test")
    verify_stream_error(c, 1, STREAM_CLOSED)


def upgrade(o, settings):
    c = Conn(o)
    c.send(b"GET /plaintext HTTP/1.1\r\nHost: %s:%d\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           b"Upgrade: h2c\r\nHTTP2-Settings: %s\r\n\r\n" % (o.host.encode(), o.port, settings))
    deadline = time.monotonic() + o.timeout
    while b"\r\n\r\n" not in c.buffer:
        try:
            c._fill(deadline)
        except (Closed, Timeout):
            raise Fail("no answer to the upgrade request: %r" % bytes(c.buffer[:200]))
    head, _, rest = bytes(c.buffer).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise Fail("the upgrade was not accepted: %r" % head[:200])
    c.buffer = bytearray(rest)
    return c.handshake()


@case("http2/9.2/a", "TLS: version 1.2 or later (RFC 9113 §9.2)")
def _(o):
    if not o.tls:
        raise Skip("TLS only")
    c = connect(o)
    if c.sock.version() not in ("TLSv1.2", "TLSv1.3"):
        raise Fail("negotiated %s" % c.sock.version())
    outcome("%s, %s" % (c.sock.version(), c.sock.cipher()[0]))


@case("hpack/4.2/c", "SETTINGS_HEADER_TABLE_SIZE lowered: the server's next header block starts with a size update")
def _(o):
    c = connect(o)
    c.headers(1, common_headers(o))
    verify_response(c, 1, 200)
    c.settings([(SETTINGS_HEADER_TABLE_SIZE, 0)])
    verify_settings_ack(c)
    c.decoder.limit(0)
    c.headers(3, common_headers(o))
    verify_response(c, 3, 200)
    if not c.decoder.updates or c.decoder.updates[-1] != 0:
        raise Fail("no dynamic table size update to 0 (updates seen: %s)" % c.decoder.updates)


# http2/8.2: server push

@case("http2/8.2/1", "Sends a PUSH_PROMISE frame")
def _(o):
    c = connect(o)
    c.headers(1, post_headers(o), end_stream=False)
    c.frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + encode_headers(common_headers(o)))
    verify_connection_error(c, PROTOCOL_ERROR)


# hpack

@case("hpack/2.3.3/1", "Sends an indexed header field representation with an invalid index")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_int(70, 7, 0x80))
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/2.3.3/2", "Sends a literal header field representation with an invalid index")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_int(70, 6, 0x40) + encode_str("test"))
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/4.2/1", "Sends a dynamic table size update at the end of a header block")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_int(100, 5, 0x20))
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/4.2/a", "Sends two dynamic table size updates at the start of a header block")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_int(0, 5, 0x20) + encode_int(4096, 5, 0x20) + encode_headers(common_headers(o)))
    verify_response(c, 1, 200)


@case("hpack/4.2/b", "Sends a dynamic table size update in a later header block after fields were indexed")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_literal("x-a", "1", indexing=0x40))
    verify_response(c, 1, 200)
    c.headers(3, None, block=encode_int(0, 5, 0x20) + encode_headers(common_headers(o)) + bytes([0x80 | 62]))
    verify_connection_error(c, COMPRESSION_ERROR)  # the entry was evicted by the size update


@case("hpack/5.2/1", "Sends a Huffman-encoded string literal representation with padding longer than 7 bits")
def _(o):
    c = connect(o)
    # "a" (5 bits) then 11 bits of ones: 16 bits, the padding longer than 7 bits
    c.headers(1, None, block=encode_headers(common_headers(o)) + b"\x00\x82\x1f\xff\x01a")
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/5.2/2", "Sends a Huffman-encoded string literal representation padded by zero")
def _(o):
    c = connect(o)
    # "a" (00011) then 000: padding that is not the most significant bits of EOS
    c.headers(1, None, block=encode_headers(common_headers(o)) + b"\x00\x81\x18\x01a")
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/5.2/3", "Sends a Huffman-encoded string literal representation containing the EOS symbol")
def _(o):
    c = connect(o)
    # "a" (5 bits) + EOS (30 bits of ones) + 5 bits of padding = 40 bits
    c.headers(1, None, block=encode_headers(common_headers(o)) + b"\x00\x85\x1f\xff\xff\xff\xff\x01a")
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/5.2/a", "Sends a Huffman-encoded string literal that ends mid-symbol (an encoded length too short)")
def _(o):
    c = connect(o)
    encoded = huffman_encode(b"x-test-longer-name")
    c.headers(1, None, block=encode_headers(common_headers(o)) + encode_int(len(encoded) + 5, 7, 0x80) + encoded)
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/6.1/1", "Sends an indexed header field representation with index 0")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + b"\x80")
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/6.3/1", "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE")
def _(o):
    c = connect(o)
    limit = c.server_settings.get(SETTINGS_HEADER_TABLE_SIZE, 4096)
    c.headers(1, None, block=encode_int(limit + 1, 5, 0x20) + encode_headers(common_headers(o)))
    verify_connection_error(c, COMPRESSION_ERROR)


@case("hpack/5.1/a", "Sends an integer representation that overflows")
def _(o):
    c = connect(o)
    c.headers(1, None, block=encode_headers(common_headers(o)) + b"\xff" + b"\xff" * 10 + b"\x01")
    verify_connection_error(c, COMPRESSION_ERROR)


# ---- running --------------------------------------------------------------------------------

def run_case(case_id, description, fn, opts):
    try:
        fn(opts)
        return "passed", ""
    except Skip as skip:
        return "skipped", str(skip)
    except Fail as failure:
        return "failed", str(failure)
    except (ConnectionRefusedError, socket.timeout, OSError) as error:
        return "failed", "socket error: %r" % error
    except Exception:  # a bug in the case itself
        return "failed", "error in the case: " + traceback.format_exc(limit=3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (certificate not checked)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each expected answer")
    parser.add_argument("--lenient", action="store_true",
                        help="h2spec's verdicts: a GOAWAY/RST_STREAM with another error code passes when "
                             "the connection then closes")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case, not only failures")
    parser.add_argument("cases", nargs="*", help="run only the cases whose id starts with one of these")
    opts = parser.parse_args()

    selected = [c for c in CASES if not opts.cases or any(c[0] == p or c[0].startswith(p.rstrip("/") + "/")
                                                           or c[0].startswith(p) for p in opts.cases)]
    if opts.list:
        for case_id, description, _ in selected:
            print("%-18s %s" % (case_id, description))
        return 0
    results = {"passed": [], "failed": [], "skipped": []}
    started = time.monotonic()
    for case_id, description, fn in selected:
        OUTCOME[0] = ""
        outcome, detail = run_case(case_id, description, fn, opts)
        if outcome == "passed" and opts.verbose:
            detail = OUTCOME[0]
        results[outcome].append(case_id)
        if outcome != "passed" or opts.verbose:
            mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[outcome]
            print("%s %-18s %s" % (mark, case_id, description))
            if detail:
                print("       -> %s" % detail.rstrip().replace("\n", "\n          "))
        sys.stdout.flush()
    elapsed = time.monotonic() - started
    print()
    print("h2-conformance against %s:%d%s: %d cases in %.1fs" % (opts.host, opts.port, " (TLS)" if opts.tls else "",
                                                                 len(selected), elapsed))
    if results["failed"]:
        print("Failed: %s" % " ".join(results["failed"]))
    if results["skipped"]:
        print("Skipped: %s" % " ".join(results["skipped"]))
    print("%d passed, %d failed, %d skipped" % (len(results["passed"]), len(results["failed"]), len(results["skipped"])))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
