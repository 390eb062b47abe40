"""Gunicorn settings for the served tests: the shipped gunicorn.conf.py, every app log record kept, and no
server left behind when the test process is gone.

The shipped settings (its redacting access log and the worker count it exports to the app) come first; the
command line sets the port, workers and log files. Each worker sends the app's log records, from DEBUG up,
to its stderr, which --capture-output writes into the error log: the tests read that log for failures and
for anything that must never be logged.
"""
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

_SHIPPED = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
exec(compile(_SHIPPED.read_text(encoding="utf-8"), str(_SHIPPED), "exec"))


def when_ready(server):
    """In the master: stop when the test process that started it (SERVED_TEST_PID) has gone."""
    parent = int(os.environ.get("SERVED_TEST_PID", "0"))
    if parent:
        threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True).start()


def _stop_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def post_worker_init(worker):
    """Send the app's log records to the error log (where the app set up no handler of its own)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("PIL").setLevel(logging.INFO)
