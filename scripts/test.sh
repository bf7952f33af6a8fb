#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, OpenAPI drift,
# pytest on SQLite, then pytest on a throwaway PostgreSQL server.
source "$(dirname "$0")/_env.sh"
source scripts/pg.sh

echo "== ruff"
ruff check .
ruff format --check app tests bench
echo "== mypy"
mypy app
echo "== openapi"
python -m app.openapi --check
echo "== pytest (SQLite)"
INTERTRATA_TEST_DATABASE_URL="" pytest "$@"
echo "== pytest (PostgreSQL)"
pg_start
INTERTRATA_TEST_DATABASE_URL="$INTERTRATA_TEST_PG_URL" pytest "$@"
echo "== end-to-end (headless Chromium)"
bash scripts/e2e.sh
