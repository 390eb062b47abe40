"""Logging that keeps what people search for out of the logs."""
import logging
import re

QUERY_STRING = re.compile(r"\?[^\s\"]*")


class DropQueryStrings(logging.Filter):
    """Remove query strings from request log lines: a search can say where someone lives."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drop it."""
        if isinstance(record.args, tuple):
            record.args = tuple(QUERY_STRING.sub("?…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = QUERY_STRING.sub("?…", record.msg)
        return True


def install_log_filters() -> None:
    """Attach the filter to werkzeug's request logger (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
