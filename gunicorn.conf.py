"""Gunicorn settings for serving the directory: `gunicorn wsgi:app` in this folder reads them.

Production is the app's default (config.py). Workers are processes: two per core plus one by default, or
WEB_CONCURRENCY. The count is exported to the app, which refuses to start with rate limits kept in each
worker's memory (RATELIMIT_STORAGE_URI=memory://) when more than one worker serves.
The access log leaves out query strings, the tokens of emailed links and client addresses: a search can
say where someone lives, and a profile viewed says whom they may see.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60
# The longest request line gunicorn reads (its maximum): a search with every filter ticked fits. Longer is a
# 414 that the OpenAPI document names.
limit_request_line = 8190
graceful_timeout = 20
# Behind a reverse proxy that terminates TLS on the same machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Where request lines go: "-" is standard output; ACCESS_LOG="" writes none.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
logger_class = "referral.access_log.RedactingLogger"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def on_starting(server):
    """Before any worker starts: tell the app how many processes will serve (settings command-line flags too)."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
