#!/usr/bin/env bash
# The adaptor's speed on a CUDA GPU, in one run (issue 12): generation and training against vanilla MusicGen
# holding the same frozen weights, on the tiny preset and the MusicGen-small shape, with a profile of the small
# shape's runs. Each bench's log goes to LOG_DIR (default: bench_gpu_logs); the console gets each bench's summary.
#   bash bench/gpu.sh [LOG_DIR]
set -uo pipefail
logs=${1:-bench_gpu_logs}
mkdir -p "$logs"
bench() {  # NAME ARGS...: one bench/adaptor_overhead.py run on cuda
  local name=$1; shift
  echo "== $name: $*"
  python3 bench/adaptor_overhead.py --device cuda --repeats 3 "$@" >"$logs/$name.log" 2>&1 || echo "FAILED (see $logs/$name.log)"
  grep -E "Expotion / |prefix stream|^\{" "$logs/$name.log"
}
bench small_2s --preset musicgen_small_shape --seconds 2 --video-seconds 10 --train-seconds 10 --profile
bench tiny_10s --preset tiny --seconds 10
bench small_10s --preset musicgen_small_shape --seconds 10 --phases generate
bench small_half_layers --preset musicgen_small_shape --layers 12 --train-seconds 10 --phases train
