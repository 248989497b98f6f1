#!/usr/bin/env bash
# Install what is needed and run Redress on the embedded default (SQLite in instance/),
# with the complaints packages deployed and demo users for every role. It prints the logins;
# an API token for the demo integration account is minted on request, not at every start:
#   .venv/bin/redress users token postroom --name demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# On first start, a quarter of synthetic complaints so every page has something to show.
.venv/bin/redress demo-data --if-empty
exec .venv/bin/redress serve --demo "$@"
