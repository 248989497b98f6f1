#!/usr/bin/env bash
# Create .venv (if needed) and install Redress with its pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==25.3" >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e ".[test]"
