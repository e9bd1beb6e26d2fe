#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each for a bounded time.
#
#   fuzz/run.sh                      every harness, 60 s each, one after the other
#   fuzz/run.sh conn_h2 120          one harness for 120 s
#   fuzz/run.sh build                build only
#   fuzz/run.sh repro conn_h1 FILE   run one input (a crash artifact) and show the report
#
# Harnesses: http1_parser (es_http1_parse_head + es_http1_chunked_decode), conn_h1 (the
# connection state machine on a real loop and loopback socket, input in pieces), conn_h2
# (the same after the HTTP/2 client preface: the nghttp2 glue).
# New corpus entries go to fuzz/build/corpus/<harness> (not committed); the seeds in
# fuzz/corpus/<harness> are read only. Crashes land in fuzz/build/artifacts/<harness>/.
# Prints executions and coverage (libFuzzer's cov: edges, ft: features) per harness, and
# exits non-zero when a harness found a crash, a leak or a failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/fuzz/build
mkdir -p "$OUT"

CLANG=${CLANG:-}
if [[ -z $CLANG ]]; then
  for c in /opt/swift/usr/bin/clang clang-14 clang; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
  done
fi
[[ -n $CLANG ]] || { echo "fuzz/run.sh: no clang found" >&2; exit 2; }

LD=()
# lld when the toolchain has it (gold warns about every ASan helper symbol)
if [[ -x "$(dirname "$CLANG")/ld.lld" ]] || command -v ld.lld >/dev/null 2>&1; then LD=(-fuse-ld=lld); fi
CFLAGS=(-g -O1 "${LD[@]}" -fno-omit-frame-pointer -fno-strict-aliasing -D_GNU_SOURCE
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -I "$ROOT/Sources/CEventShim/include" -I "$ROOT/Sources/CEventShim/core"
        -I "$ROOT/Sources/CEventShim/http1" -I "$ROOT/Sources/CEventShim/http2")
SHIM=$ROOT/Sources/CEventShim
PARSER_SRCS=("$SHIM"/http1/es_http1_*.c "$SHIM"/core/es_method.c)
ALL_SRCS=("$SHIM"/core/*.c "$SHIM"/http1/*.c "$SHIM"/http2/*.c "$SHIM"/server/*.c)
LIBS=($(pkg-config --libs libnghttp2 openssl 2>/dev/null || echo -lnghttp2 -lssl -lcrypto))

build() {
  local name=$1
  local bin=$OUT/$name
  case $name in
    http1_parser) "$CLANG" "${CFLAGS[@]}" -o "$bin" fuzz/http1_parser_fuzz.c "${PARSER_SRCS[@]}" ;;
    conn_h1) "$CLANG" "${CFLAGS[@]}" -DFUZZ_H2=0 -o "$bin" fuzz/conn_fuzz.c "${ALL_SRCS[@]}" "${LIBS[@]}" ;;
    conn_h2) "$CLANG" "${CFLAGS[@]}" -DFUZZ_H2=1 -o "$bin" fuzz/conn_fuzz.c "${ALL_SRCS[@]}" "${LIBS[@]}" ;;
    *) echo "unknown harness: $name" >&2; exit 2 ;;
  esac
}

max_len() { case $1 in http1_parser) echo 16384 ;; *) echo 4096 ;; esac; }

HARNESSES=(http1_parser conn_h1 conn_h2)

if [[ ${1:-} == build ]]; then
  for h in "${HARNESSES[@]}"; do build "$h"; done
  echo "built: ${HARNESSES[*]} in $OUT"
  exit 0
fi
if [[ ${1:-} == repro ]]; then
  build "$2"
  exec "$OUT/$2" -runs=1 "$3"
fi

SELECTED=("${HARNESSES[@]}")
if [[ $# -ge 1 ]]; then SELECTED=("$1"); fi
SECONDS_EACH=${2:-60}
status=0
for h in "${SELECTED[@]}"; do
  build "$h"
  mkdir -p "$OUT/corpus/$h" "$OUT/artifacts/$h" "fuzz/corpus/$h"
  log=$OUT/$h.log
  echo "== $h: ${SECONDS_EACH}s"
  set +e
  # -rss_limit_mb guards the shared machine; -timeout turns a hang into a finding.
  timeout --signal=INT $((SECONDS_EACH + 60)) "$OUT/$h" \
    -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$h")" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$h/" \
    "$OUT/corpus/$h" "fuzz/corpus/$h" >"$log" 2>&1
  rc=$?
  set -e
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  echo "   rc=$rc executions=${execs:-?} last: $last"
  if [[ $rc -ne 0 ]]; then
    status=1
    grep -E 'ERROR: |CHECK failed|runtime error|SUMMARY' "$log" | head -5 || true
    ls "$OUT/artifacts/$h/" | head -5
  fi
done
exit $status
