#!/usr/bin/env bash
# Install what is needed and run the whole test suite (lint, types, import contract, pytest).
# Set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run every
# database test on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
