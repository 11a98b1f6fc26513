#!/usr/bin/env bash
# Installs the SDK from BUILD_DIR into a scratch prefix, then builds an outside project against it
# with find_package(faultline) and a C program with pkg-config, and checks what they write.
# Usage: install_consumer_test.sh BUILD_DIR CONSUMER_SOURCE_DIR SCRATCH_DIR [EXTRA_FLAGS]
set -euo pipefail
build=$1 consumer=$2 scratch=$3 flags=${4:-}
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

cmake -S "$consumer" -B "$scratch/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$scratch/build" >/dev/null

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
# shellcheck disable=SC2046,SC2086
cc $flags -o "$scratch/consumer_c" "$consumer/consumer_c.c" $(pkg-config --cflags --libs faultline-sdk)

libdir=$(dirname "$(find "$prefix" -name 'libfaultline-sdk.so' | head -n 1)")
check() {  # PROGRAM EXPECTED_ID
  out=$scratch/$(basename "$1").jsonl
  LD_LIBRARY_PATH=$libdir ANTITHESIS_SDK_LOCAL_OUTPUT=$out "$1"
  head -n 1 "$out" | grep -q '"antithesis_sdk"' || { echo "FAIL: $1 wrote no SDK header first"; cat "$out"; exit 1; }
  grep -q "\"id\":\"$2\"" "$out" || { echo "FAIL: $1 wrote no line for '$2'"; cat "$out"; exit 1; }
  grep -q '"hit":true' "$out" || { echo "FAIL: $1 wrote no evaluation"; exit 1; }
  echo "ok: $1"
}
check "$scratch/build/consumer" "Consumer assertion"
check "$scratch/build/consumer_dropin" "Consumer drop-in assertion"
check "$scratch/consumer_c" "Consumer C assertion"
