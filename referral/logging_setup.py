"""Logging that keeps what people search for, and the secrets in emailed links, out of the logs."""
import logging
import re

QUERY_STRING = re.compile(r"\?[^\s\"]*")
# A signed token (itsdangerous: payload.timestamp.signature, base64url) as a path segment: the links in
# confirmation, password-reset and availability emails. Whoever reads it from a log could use the link.
SIGNED_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]{16,}(?=[/?\s\"]|$)")
REDACTED = "…"


def redact_request_target(text: str) -> str:
    """`text` with query strings and signed tokens in paths replaced by an ellipsis."""
    return SIGNED_TOKEN.sub(REDACTED, QUERY_STRING.sub("?" + REDACTED, text))


class DropQueryStrings(logging.Filter):
    """Remove query strings and link tokens from request log lines: a search can say where someone lives."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drop it."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact_request_target(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_request_target(record.msg)
        return True


def install_log_filters() -> None:
    """Attach the filter to werkzeug's request logger (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
