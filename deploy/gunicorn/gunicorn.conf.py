"""gunicorn for Certificaatportaal: loopback only, behind nginx (deploy/nginx)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 60
# gunicorn itself believes no forwarded header from any address: every
# process on the host reaches this port, so only the portal decides, when the
# request carries nginx's proxy secret (core/trusted_proxy.py, SPEC.md §5).
# gunicorn (>= 22) drops underscore header variants by default, keep it that
# way (STACK-NOTES.md).
forwarded_allow_ips = ""
# No shared $HOME/.gunicorn control socket between instances.
control_socket_disable = True
# No access log of gunicorn's own: the portal logs one line per request itself
# (logger portal.request, with the request id, person and client address; JSON in
# production); a second line per request in another format would only be noise.
accesslog = None
errorlog = "-"
