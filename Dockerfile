# Intertrata API: uvicorn as a non-root user. Configure with INTERTRATA_DATABASE_URL
# (PostgreSQL in production) and INTERTRATA_DATA_KEY (required with PostgreSQL). Installed editable so Alembic finds migrations/ beside app/.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /srv/intertrata
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
 && useradd --system --uid 10001 --home-dir /srv/intertrata intertrata \
 && mkdir -p /srv/intertrata/var \
 && chown -R intertrata /srv/intertrata/var

USER intertrata
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
CMD ["sh", "-c", "intertrata db upgrade && exec uvicorn app.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers"]
