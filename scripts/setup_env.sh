#!/usr/bin/env bash
# Create a virtual environment VENV (default .venv) with audiocraft-expotion installed in editable mode
# (config/ and grids/ resolve to this checkout through setup.py's package mapping; tests run from it).
# audiocraft 1.3.0 is installed without its obsolete torch 2.1 / xformers pins; setup.py pins the
# matched torch 2.10 / torchaudio 2.10 / torchvision 0.25 stack (xformers 0.0.35's extensions load).
# EXPOTION_EXTRAS: the package extras to install (default: test; CI: test,demo,...).
set -euo pipefail
VENV="${1:-.venv}"
cd "$(dirname "$0")/.."
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
"$VENV/bin/python" -m pip install -q -e ".[${EXPOTION_EXTRAS:-test}]"
# Last and without dependencies, so that pip's resolver does not print audiocraft's old pins as an ERROR.
"$VENV/bin/python" -m pip install -q --no-deps audiocraft==1.3.0
echo "note: audiocraft 1.3.0 is installed without its dependencies: its pins (torch 2.1, xformers < 0.0.23, av 11)" \
     "are replaced by setup.py's stack, so 'pip check' and later installs list them as conflicts: expected."
