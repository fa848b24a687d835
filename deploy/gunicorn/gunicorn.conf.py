"""gunicorn for Certificaatportaal: loopback only, behind nginx (deploy/nginx)."""

import multiprocessing
import os

from core.log_format import FORMATTERS, log_format
from core.process import freeze_startup_objects

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


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded the portal: no full garbage collection walks it again."""
    freeze_startup_objects()


errorlog = "-"
# gunicorn's own lines (start-up, workers booted and exited, timeouts) in the portal's
# format: JSON lines in production, like every other line (core/log_format.py). The
# text format stays gunicorn's own.
if log_format() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": FORMATTERS,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
