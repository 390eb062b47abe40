"""Gunicorn settings for the served tests: request lines without query strings, and every app log record kept.

The access log leaves out query strings and the Referer header, as the app's own request logging does
(a search can say where someone lives). Each worker sends the app's log records, from DEBUG up, to its
stderr, which --capture-output writes into the error log: the tests read that log for failures and for
anything that must never be logged.
"""
import logging
import sys

access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


def post_worker_init(worker):
    """Send the app's log records to the error log (where the app set up no handler of its own)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("PIL").setLevel(logging.INFO)
