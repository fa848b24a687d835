"""A mail server that accepts the connection and then says nothing fails the delivery
after EMAIL_TIMEOUT, instead of holding the worker process forever."""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMessage, get_connection


@pytest.fixture
def silent_smtp_server() -> Iterator[int]:
    """A TCP port that accepts connections and never sends the SMTP greeting."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_silent_mail_server_times_out(settings, silent_smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = silent_smtp_server
    settings.EMAIL_TIMEOUT = 0.5
    message = EmailMessage("Onderwerp", "Tekst", to=["iemand@example.nl"])
    # smtplib reports the read that timed out as a lost connection.
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        get_connection().send_messages([message])
