# Image for web, worker and beat (docker-compose.yml).
FROM node:20-bookworm-slim AS static
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# WeasyPrint renders the order forms with Pango and HarfBuzz.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=static /src/node_modules ./node_modules
COPY --from=static /src/var/build/js ./var/build/js
RUN SECRET_KEY=build python manage.py collectstatic --no-input -v0
RUN useradd --system portal && chown -R portal /app/var
USER portal
