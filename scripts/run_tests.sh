#!/usr/bin/env bash
# The default test suite (offline, CPU, ~10 min on 2 cores). Heavier tests: `python -m pytest -m slow`.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 USER="${USER:-expotion}"
exec python -m pytest "$@"
