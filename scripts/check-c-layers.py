#!/usr/bin/env python3
"""Checks the C shim's layering: calls go down, never across and never up.

    scripts/check-c-layers.py            # exit 0 when the rule holds, 1 with the offending calls
    scripts/check-c-layers.py --graph    # every call between files, for reading

Sources/CEventShim has four layers:

    core/    the epoll loop, timers, buffer pools, accept, the protocol-blind connection, TLS
    http1/   the HTTP/1.1 parser, the chunked decoder, the HTTP/1.1 connection state machine
    http2/   the nghttp2 session, streams, responses and the h2c upgrade
    server/  binds the protocols to the core (es_loop_create, es_respond); called by Swift only

core calls only core; http1 calls core and http1; http2 calls core and http2; server calls
any. Nothing calls server. The core reaches a protocol through the table the protocol
installs (es_protocol), which is data the server layer hands to the loop, not a call.
Every `.c` file is compiled on its own (`clang -c`), and each object's undefined symbols
(`nm -u`, which lists data references such as callback tables too) are matched to the
object that defines them.

It also checks that one file writes the shim's JSON error bodies: no file but
core/es_error_body.c holds the body's opening `{"error":`.

PENDING lists calls that may break the rule for a while, each with what will remove it;
the check fails on any call that breaks the rule and is not listed, and on a listed call
that no longer happens (take it off the list), so the list can only shrink. It is empty.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIM = os.path.join(ROOT, "Sources", "CEventShim")
LAYERS = ["core", "http1", "http2", "server"]
ALLOWED = {"core": {"core"}, "http1": {"core", "http1"}, "http2": {"core", "http2"},
           "server": {"core", "http1", "http2", "server"}}

# (calling file, called symbol): the step that removes it.
PENDING = {}


def compile_objects(out):
    clang = os.environ.get("CLANG") or shutil.which("clang") or shutil.which("cc")
    if clang is None:
        sys.exit("check-c-layers: no C compiler (set CLANG)")
    flags = ["-c", "-O0", "-w", "-D_GNU_SOURCE", "-I", os.path.join(SHIM, "include")]
    for layer in LAYERS:
        flags += ["-I", os.path.join(SHIM, layer)]
    for inc in ("nghttp2", "openssl"):
        pc = subprocess.run(["pkg-config", "--cflags", f"lib{inc}" if inc == "nghttp2" else inc],
                            capture_output=True, text=True)
        flags += pc.stdout.split()
    objects = {}
    for layer in LAYERS:
        for name in sorted(os.listdir(os.path.join(SHIM, layer))):
            if not name.endswith(".c"):
                continue
            source = f"{layer}/{name}"
            obj = os.path.join(out, source.replace("/", "__") + ".o")
            build = subprocess.run([clang, *flags, "-o", obj, os.path.join(SHIM, source)],
                                   capture_output=True, text=True)
            if build.returncode != 0:
                sys.exit(f"check-c-layers: compiling {source} failed:\n{build.stderr[-2000:]}")
            objects[source] = obj
    return objects


def symbols(obj, undefined):
    args = ["nm", "--undefined-only" if undefined else "--defined-only", obj]
    lines = subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()
    if undefined:
        return {line.split()[-1] for line in lines if line.strip()}
    # Global definitions only: a static function cannot be called from another file.
    return {parts[2] for parts in (line.split() for line in lines) if len(parts) == 3 and parts[1].isupper()}


ERROR_BODY_WRITER = "core/es_error_body.c"


def error_body_writers():
    """Files that spell out the JSON error body themselves."""
    found = []
    for layer in LAYERS + ["include"]:
        for name in sorted(os.listdir(os.path.join(SHIM, layer))):
            with open(os.path.join(SHIM, layer, name), encoding="utf-8") as f:
                if '{\\"error\\"' in f.read():
                    found.append(f"{layer}/{name}")
    return found


def main():
    with tempfile.TemporaryDirectory() as out:
        objects = compile_objects(out)
        defined_in = {}
        for source, obj in objects.items():
            for symbol in symbols(obj, undefined=False):
                defined_in[symbol] = source
        calls = []
        for source, obj in objects.items():
            for symbol in sorted(symbols(obj, undefined=True)):
                if symbol in defined_in:
                    calls.append((source, symbol, defined_in[symbol]))

    if "--graph" in sys.argv:
        for source, symbol, target in calls:
            print(f"{source} -> {target}: {symbol}")
        return 0

    broken = {(source, symbol): target for source, symbol, target in calls
              if target.split("/")[0] not in ALLOWED[source.split("/")[0]]}
    new = {key: target for key, target in broken.items() if key not in PENDING}
    gone = [key for key in PENDING if key not in broken]
    for (source, symbol), target in sorted(new.items()):
        print(f"layering: {source} calls {symbol} in {target}: "
              f"{source.split('/')[0]} may call only {', '.join(sorted(ALLOWED[source.split('/')[0]]))}")
    for source, symbol in gone:
        print(f"layering: {source} no longer calls {symbol}: take it off PENDING in {os.path.relpath(__file__, ROOT)}")
    found = error_body_writers()
    if ERROR_BODY_WRITER not in found:
        print(f"layering: {ERROR_BODY_WRITER} no longer writes the error body: point ERROR_BODY_WRITER at the file that does")
        return 1
    writers = [w for w in found if w != ERROR_BODY_WRITER]
    for writer in writers:
        print(f"layering: {writer} writes a JSON error body itself: use es_error_body_write ({ERROR_BODY_WRITER})")
    print(f"layering: {len(calls)} calls between files, {len(broken)} against the rule "
          f"({len(broken) - len(new)} of them pending, {len(new)} new), {len(gone)} pending ones gone")
    return 1 if new or gone or writers else 0


if __name__ == "__main__":
    sys.exit(main())
