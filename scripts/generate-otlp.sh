#!/usr/bin/env bash
# Generates Sources/OTLP/Generated from opentelemetry-proto, once; the output is committed, so
# neither the build nor CI runs this (swift-protobuf's plugin takes minutes to build).
#
#   scripts/generate-otlp.sh /path/to/opentelemetry-proto /path/to/protoc-gen-swift
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift from swift-protobuf 1.39.0
# (`swift build -c release --product protoc-gen-swift` in its checkout). Generated from
# opentelemetry-proto v1.11.0.
set -euo pipefail
proto=${1:?the opentelemetry-proto checkout}
plugin=${2:?protoc-gen-swift}
out="$(cd "$(dirname "$0")/.." && pwd)/Sources/OTLP/Generated"
mkdir -p "$out"
cd "$proto"
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_out=Visibility=Internal,FileNaming=PathToUnderscores:"$out" -I . \
  opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/collector/trace/v1/trace_service.proto
echo "generated into $out"
