#!/usr/bin/env bash
# Create a virtual environment VENV (default .venv) with audiocraft-expotion installed (non-editable).
# audiocraft 1.3.0 is installed without its obsolete torch 2.1 / xformers pins; setup.py pins a
# matched torch 2.11 / torchaudio 2.11 / torchvision 0.26 stack and audiocraft's runtime needs.
set -euo pipefail
VENV="${1:-.venv}"
cd "$(dirname "$0")/.."
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
"$VENV/bin/python" -m pip install -q --no-deps audiocraft==1.3.0
"$VENV/bin/python" -m pip install -q ".[test]"
