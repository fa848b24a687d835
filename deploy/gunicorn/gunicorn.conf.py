"""gunicorn for Certificaatportaal: loopback only, behind nginx (deploy/nginx)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 60
# nginx overwrites X-Forwarded-*; gunicorn (>= 22) drops underscore header
# variants by default, keep it that way (STACK-NOTES.md).
forwarded_allow_ips = os.environ.get("PORTAL_TRUSTED_PROXIES", "127.0.0.1,::1")
# No shared $HOME/.gunicorn control socket between instances.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
