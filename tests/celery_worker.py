"""A real ``celery worker`` process for tests (tests/orders/test_worker.py, the e2e server)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import read_log, spawn, stop

BASE_DIR = Path(__file__).resolve().parents[1]
WAIT = 60  # seconds


class Worker:
    """One ``celery worker`` process (prefork, one child) and its log, started as the operator
    would (``celery -A portal worker``); ready once it says so."""

    def __init__(self, env: dict[str, str], log: Path, *, quiet: bool = False) -> None:
        self.log = log
        self.process = spawn(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "portal",
                # As compose runs it: no text banner (tests/portal/test_worker_logs.py).
                *(["--quiet"] if quiet else []),
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            env,
            log,
        )
        self._wait_for("ready.")

    def _wait_for(self, text: str) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"the worker exited with {self.process.returncode}:\n{read_log(self.log)}"
                )
            time.sleep(0.1)
        pytest.fail(f"the worker did not log {text!r}:\n{read_log(self.log)}")

    def child(self) -> int:
        """The pid of the pool process that runs the tasks."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        assert len(pids) == 1, pids
        return pids[0]

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        stop(self.process, sig)
