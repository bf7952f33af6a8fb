#!/usr/bin/env bash
# End-to-end tests of the browser UI: a demo world behind a real uvicorn on a free loopback
# port (two workers), driven by headless Chromium through Playwright, with an axe-core audit of
# every page. Writes docs/screenshots/*.png and docs/screenshots/accesibilidad.json.
#   bash scripts/e2e.sh            (from anywhere; uses .venv of the repository)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
CLI="$ROOT/.venv/bin/intertrata"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "Instalando Chromium del sistema..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update && $SUDO apt-get install -y chromium
fi
if ! "$PY" -c "import playwright, axe_playwright_python" 2>/dev/null; then
  # Both come from pyproject's dev dependencies (axe-core is bundled in the PyPI package).
  echo "Faltan playwright o axe-playwright-python en .venv: .venv/bin/pip install -e '.[dev]'" >&2
  exit 2
fi

WORK="$(mktemp -d -t intertrata-e2e-XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export INTERTRATA_DATABASE_URL="sqlite:///$WORK/e2e.db"
export INTERTRATA_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"

echo "Generando el mundo de demostración (escala 0.05)..."
"$CLI" demo --scale 0.05 --out "$WORK/demo" >"$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }

key() {  # role [system] -> token (the last line the CLI prints)
  if [ $# -gt 1 ]; then "$CLI" keys create --role "$1" --system "$2" --name "e2e-$1" | tail -n 1
  else "$CLI" keys create --role "$1" --name "e2e-$1" | tail -n 1; fi
}
export INTERTRATA_E2E_KEY_ANALYST="$(key analyst)"
export INTERTRATA_E2E_KEY_REVIEWER="$(key reviewer)"
export INTERTRATA_E2E_KEY_SECRETARIAT="$(key secretariat)"
export INTERTRATA_E2E_KEY_AGENCY="$(key agency RETA)"
export INTERTRATA_E2E_KEY_ADMIN="$(key admin)"

# Several workers, as in production: a browser session must hold on whichever one answers.
export INTERTRATA_E2E_WORKERS="${INTERTRATA_E2E_WORKERS:-2}"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$PY" -m uvicorn --app-dir "$ROOT/tests/e2e" server:create --factory \
  --host 127.0.0.1 --port "$PORT" --workers "$INTERTRATA_E2E_WORKERS" --log-level warning \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
export INTERTRATA_E2E_URL="http://127.0.0.1:$PORT"

for _ in $(seq 1 100); do
  if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('$INTERTRATA_E2E_URL/health', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done

mkdir -p "$ROOT/docs/screenshots"
export INTERTRATA_E2E_SCREENSHOTS="$ROOT/docs/screenshots"
echo "Servidor en $INTERTRATA_E2E_URL; pruebas de extremo a extremo con Chromium..."
status=0
"$ROOT/.venv/bin/pytest" "$ROOT/tests/e2e" -p no:cacheprovider "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- registro del servidor ---"; tail -n 50 "$WORK/server.log"
fi
exit "$status"
