"""Gunicorn settings for the served tests: request lines without query strings, every app log record kept,
and no server left behind when the test process is gone.

The access log leaves out query strings and the Referer header, as the app's own request logging does
(a search can say where someone lives). Each worker sends the app's log records, from DEBUG up, to its
stderr, which --capture-output writes into the error log: the tests read that log for failures and for
anything that must never be logged.
"""
import logging
import os
import signal
import sys
import threading
import time

access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


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
