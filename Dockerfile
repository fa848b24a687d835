# One image for web, worker, beat and the one-shot migrate (docker-compose.yml).
# Nothing secret goes in: SECRET_KEY, the database password and the PKI are
# mounted at run time, and .dockerignore keeps var/, pki/ and secrets/ out.

# Bootstrap and our JavaScript bundle (assets/, esbuild).
FROM node:20-bookworm-slim AS static
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN npm run build

FROM python:3.11-slim-bookworm
# PORTAL_VAR_DIR: uploads (a volume in compose); /app itself stays read-only.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PORTAL_VAR_DIR=/var/lib/portal XDG_CACHE_HOME=/tmp/cache
# WeasyPrint renders the order forms with Pango and HarfBuzz; `manage.py backup`
# needs pg_dump of the compose PostgreSQL's version (15, as Debian bookworm's).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=static /src/node_modules/bootstrap/dist ./node_modules/bootstrap/dist
COPY --from=static /src/var/build/js ./var/build/js
# Hashed, compressed static files (whitenoise) and bytecode, made once here.
RUN SECRET_KEY=build python manage.py collectstatic --no-input -v0 \
    && python -m compileall -q /app
# A fixed uid, so an operator can give it the mounted PKI and secret files.
RUN useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home portal \
    && mkdir -p /var/lib/portal/uploads /var/lib/celery-beat \
    && chown -R portal:portal /var/lib/portal /var/lib/celery-beat
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "portal.wsgi"]
