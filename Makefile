# Certificaatportaal — see README.md. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PKI_DIR ?= var/pki
HOST ?= 127.0.0.1
PORT ?= 8000
TLS_PORT ?= 8443
# Debian packages the suite drives: nginx (mTLS proxy), Chromium (Playwright),
# gettext (translations), Pango/HarfBuzz (WeasyPrint), poppler-utils and NSS
# tools (pdfsig, pdftotext, certutil: independent checks of the sealed PDF), and
# xmlsec1 (the same for the sealed XML); curl and openssl for make smoke.
SYSTEM_PACKAGES := nginx chromium gettext fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 poppler-utils libnss3-tools xmlsec1 curl openssl

.PHONY: install system-deps pki run run-tls test test-fast lint format bench smoke messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Our JavaScript (assets/) bundled with its npm packages by esbuild; served
# from var/build/js as static/js/build/ (portal/settings.py). Not committed.
JS_BUNDLES := var/build/js/csr-browser.js

$(JS_BUNDLES): node_modules/.installed $(wildcard assets/*.js)
	npm run --silent build

install: $(VENV)/.installed node_modules/.installed $(JS_BUNDLES)

# Installs what the end-to-end tests need when running as root and it is missing;
# otherwise those tests say what is missing (and fail under CI=true).
system-deps:
	@missing=""; for cmd in nginx chromium msgfmt pdfsig certutil xmlsec1 curl openssl; do command -v $$cmd >/dev/null || missing="$$missing $$cmd"; done; \
	ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing="$$missing pango"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing$$missing from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	elif [ -n "$$missing" ]; then echo "Not installed:$$missing (end-to-end tests will not run)"; fi

# Again when demo_pki.py changed: it completes an existing PKI with what is new
# (a CA hierarchy, a card, the proxy secret) and keeps what is there.
$(PKI_DIR)/roots.pem: certificates/demo_pki.py | install
	$(PY) manage.py demo_pki --out $(PKI_DIR)
	touch $@

pki: $(PKI_DIR)/roots.pem

# The embedded default: SQLite, tasks run inline, the development login.
run: install pki
	export DEBUG=1 PORTAL_DEV_LOGIN=1 PORTAL_PKI_DIR=$(abspath $(PKI_DIR)); \
	$(PY) manage.py migrate --no-input && \
	$(PY) manage.py seed_demo && \
	echo "Portal: http://$(HOST):$(PORT)/dev/login/ (or make run-tls for smartcard login)" && \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The real thing: nginx with client certificates in front of gunicorn.
# Import var/pki/clients/<slug>.p12 (password: demo) in your browser.
# nginx sends var/pki/proxy-secret (demo_pki or nginx_conf writes it) and
# gunicorn, started after it exists, finds it through PORTAL_PKI_DIR.
run-tls: install pki
	export PORTAL_PKI_DIR=$(abspath $(PKI_DIR)) PORTAL_STATIC_MANIFEST=1; \
	$(PY) manage.py migrate --no-input && $(PY) manage.py seed_demo && \
	$(PY) manage.py collectstatic --no-input -v0 && \
	$(PY) manage.py nginx_conf --pki $(PKI_DIR) --listen $(HOST):$(TLS_PORT) \
		--upstream $(HOST):$(PORT) --prefix var/nginx && \
	{ nginx -p $(abspath var/nginx) -c $(abspath var/nginx/nginx.conf) -e $(abspath var/nginx/error.log) & \
	  trap 'kill -QUIT $$(cat var/nginx/nginx.pid) 2>/dev/null' EXIT; \
	  echo "Portal: https://localhost:$(TLS_PORT)/"; \
	  $(VENV)/bin/gunicorn -c deploy/gunicorn/gunicorn.conf.py --bind $(HOST):$(PORT) portal.wsgi; }

test: install system-deps
	$(PY) -m pytest

# Everything but the end-to-end tests (no nginx, no Chromium): the quick loop, on
# every core (pytest-xdist; each worker has its own test database and demo PKI).
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test-fast: install
	$(PY) -m pytest -m "not e2e" -n $(TEST_WORKERS)

# ruff, mypy on the core apps, then the layers between the apps (README "Layout",
# contracts in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# One table of figures against floors measured in the same run (bench/README.md), on a
# throw-away PostgreSQL database: BENCH_DATABASE_URL (or DATABASE_URL) names the server.
BENCH_ARGS ?=
bench: install
	$(PY) -m bench $(BENCH_ARGS)

# One backup file of the database DATABASE_URL names (SQLite by default) and the uploaded
# ID copies, with a SHA-256 manifest; no keys (core/backup.py). Restore with the portal
# stopped: make restore BACKUP=FILE (RESTORE_ARGS=--force for a database that has tables).
.PHONY: backup restore
BACKUP_DIR ?= var/backups
RESTORE_ARGS ?=
backup: install
	$(PY) manage.py backup --out $(BACKUP_DIR)

ifneq ($(filter restore,$(MAKECMDGOALS)),)
ifeq ($(BACKUP),)
$(error make restore needs the backup file: make restore BACKUP=$(BACKUP_DIR)/certificaatportaal-backup-<time>.tar)
endif
endif
restore: install
	$(PY) manage.py restore $(RESTORE_ARGS) "$(BACKUP)"

# The production-like stack natively on loopback (smoke/README.md): the running
# PostgreSQL and Redis (a throw-away database, Redis db 13 or SMOKE_REDIS_URL),
# gunicorn, a Celery worker and beat, nginx; driven over HTTPS with the demo cards.
smoke: install system-deps
	$(PY) -m smoke

messages: install
	$(PY) manage.py makemessages --locale en --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale en --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf var
