#!/usr/bin/env bash
# Create .venv (if needed) and install Redress with its pinned dependencies, then build the
# front end (GOV.UK Frontend, bpmn-js) from web/frontend/package-lock.json into web/static/build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==25.3" >/dev/null 2>&1 || true
# pip's "Location … is ignored" lines come from this machine's pip configuration: noise.
.venv/bin/python -m pip install --quiet -e ".[test]" 2> >(grep -v "is ignored" >&2)
(
  cd web/frontend
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  node build.mjs
)
