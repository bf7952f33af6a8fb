#!/usr/bin/env bash
# Install, build a demo world on the embedded SQLite database, create demo keys, and serve.
source "$(dirname "$0")/_env.sh"
PORT="${PORT:-8000}"
mkdir -p var
# The browser UI signs its session cookies with this key; keep it across restarts.
[ -s var/secret-key ] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > var/secret-key
chmod 600 var/secret-key
export INTERTRATA_SECRET_KEY="${INTERTRATA_SECRET_KEY:-$(cat var/secret-key)}"
intertrata demo
{
  for spec in "admin" "analyst" "reviewer" "secretariat" "agency --system RETA" "agency --system SISTRA"; do
    # shellcheck disable=SC2086
    printf '%-22s %s\n' "$spec" "$(intertrata keys create --role $spec --name "demo" | tail -n 1)"
  done
} > var/demo-keys.txt
chmod 600 var/demo-keys.txt
cat <<MSG

Intertrata está listo con datos de demostración (base SQLite en var/intertrata.db).
  Interfaz web (en español):        http://127.0.0.1:$PORT/ui/
  API y documentación interactiva:  http://127.0.0.1:$PORT/docs
  Estado del servicio:              http://127.0.0.1:$PORT/health
  Claves de demostración (una por rol) en var/demo-keys.txt; envíelas como
  'Authorization: Bearer <clave>'.
  Exportaciones y verdad de referencia del mundo generado en var/demo/.
MSG
exec intertrata serve --host 127.0.0.1 --port "$PORT"
