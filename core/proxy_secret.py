"""The per-deployment secret nginx adds to every request it forwards (issue 11, point 7).

gunicorn listens on a TCP address that every local process can reach, so a
trusted proxy *address* alone does not prove a request came through nginx:
anything on the host could send ``X-SSL-Client-Cert`` with somebody's public
certificate. nginx therefore also sends ``X-Portal-Proxy-Secret``, a random
value only nginx and the portal can read, and the portal honours forwarded
headers only with it (core/trusted_proxy.py).

Both live in the PKI directory, readable by their owner only:

- ``proxy-secret``: the secret itself, which the portal reads at start-up
  (``PORTAL_PROXY_SECRET_FILE``);
- ``proxy-secret.conf``: the nginx ``proxy_set_header`` line that the
  generated configuration includes, so no nginx.conf holds the secret.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

HEADER = "X-Portal-Proxy-Secret"
META_KEY = "HTTP_X_PORTAL_PROXY_SECRET"
SECRET_FILE = "proxy-secret"
NGINX_INCLUDE = "proxy-secret.conf"
# What token_urlsafe(32) makes; also nothing that could break out of the
# quoted nginx string.
FORMAT = re.compile(r"[A-Za-z0-9_-]{32,256}")


class ProxySecretError(ValueError):
    """The secret file exists but does not hold a usable secret."""


def read(path: Path | None) -> str:
    """The secret in ``path``; "" when there is no such file (nothing is trusted then)."""
    if path is None or not path.exists():
        return ""
    secret = path.read_text().strip()
    if not FORMAT.fullmatch(secret):
        raise ProxySecretError(
            f"{path} must hold 32 to 256 characters A-Z, a-z, 0-9, '-' or '_' "
            "(remove it and run `manage.py nginx_conf` or `demo_pki` for a new one)"
        )
    return secret


def nginx_include(secret: str) -> str:
    return f'proxy_set_header {HEADER} "{secret}";\n'


def ensure(pki_dir: Path) -> str:
    """Create ``proxy-secret`` (32 random bytes, URL-safe) and ``proxy-secret.conf`` in
    ``pki_dir`` where missing, both 0600; an existing secret is kept. Returns the secret."""
    path = pki_dir / SECRET_FILE
    secret = read(path)
    if not secret:
        secret = secrets.token_urlsafe(32)
        _write_private(path, secret + "\n")
    include = pki_dir / NGINX_INCLUDE
    if not include.exists() or include.read_text() != nginx_include(secret):
        _write_private(include, nginx_include(secret))
    return secret


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
