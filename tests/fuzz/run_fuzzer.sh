#!/usr/bin/env bash
# Builds the genome fuzzer with clang's libFuzzer (plus address and undefined-
# behaviour sanitizers) and runs it for a bounded time. Fails on any crash,
# sanitizer report or round-trip violation.   Usage: run_fuzzer.sh SECONDS SRC...
set -euo pipefail
seconds=$1; shift
work=${TEST_TMPDIR:-$(mktemp -d)}
CXX=$(command -v clang++-14 || command -v clang++)
srcs=(); corpus_seed=()
for f in "$@"; do
  case "$f" in
    *.cc) srcs+=("$f") ;;
    */corpus/*) corpus_seed+=("$f") ;;
  esac
done
"$CXX" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I. "${srcs[@]}" -o "$work/genome_fuzzer" \
  -labsl_str_format_internal -labsl_strings -labsl_strings_internal -labsl_status \
  -labsl_statusor -labsl_cord -labsl_cordz_info -labsl_cordz_functions -labsl_cordz_handle \
  -labsl_cord_internal -labsl_raw_logging_internal -labsl_int128 -labsl_throw_delegate \
  -labsl_base -labsl_spinlock_wait -labsl_synchronization -labsl_time -labsl_time_zone \
  -labsl_stacktrace -labsl_symbolize -labsl_debugging_internal -labsl_demangle_internal \
  -labsl_malloc_internal -labsl_graphcycles_internal -labsl_exponential_biased
mkdir -p "$work/corpus"
cp "${corpus_seed[@]}" "$work/corpus/"
"$work/genome_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -n 15
