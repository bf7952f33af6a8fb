#!/usr/bin/env bash
# Ingest benchmark on SQLite and on a throwaway PostgreSQL server.
source "$(dirname "$0")/../scripts/_env.sh"
source scripts/pg.sh
pg_start
python bench/ingest_speed.py --pg "$INTERTRATA_TEST_PG_URL" --pg-data "${PG_DIR:+$PG_DIR/data}" "$@"
