#!/usr/bin/env bash
# Install what is needed and run the whole test suite (lint, types, import contract, pytest).
# Set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run every
# database test on PostgreSQL too.
#
# pytest runs one worker per CPU (pytest-xdist), each test file whole on one worker: every test
# has its own database (an SQLite file or a PostgreSQL schema) and its own ports, so files do
# not meet. Arguments given here come after these, so `-n 0` runs in one process again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
