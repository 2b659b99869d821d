#!/usr/bin/env bash
# Installs the project with its test extras into .venv and runs lint + tests.
# This is the README's test command; .ci/run calls it on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check .

# The database tests also run against a throwaway PostgreSQL when the server is installed (.ci/run installs it).
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && [ -z "${MADOGUCHI_TEST_PG_URL:-}" ]; then
    PG_DIR=$(mktemp -d /tmp/madoguchi-pg.XXXXXX)
    trap 'scripts/pg.sh stop "$PG_DIR"' EXIT
    MADOGUCHI_TEST_PG_URL=$(scripts/pg.sh start "$PG_DIR") && export MADOGUCHI_TEST_PG_URL
fi
.venv/bin/python -m pytest "$@"
