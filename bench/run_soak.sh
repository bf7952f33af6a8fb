#!/usr/bin/env bash
# Load soak on a throwaway PostgreSQL server: bash bench/run_soak.sh --workers 4 --seconds 60
source "$(dirname "$0")/../scripts/_env.sh"
source scripts/pg.sh
pg_start
python bench/soak.py --database-url "$INTERTRATA_TEST_PG_URL" "$@"
