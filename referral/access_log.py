"""Gunicorn's access log without what a request line can reveal: query strings, link tokens, cookies."""
from gunicorn.glogging import Logger

from .logging_setup import redact_request_target

# Atoms a format may name that carry the raw target or the session: logged redacted, or not at all.
_TARGET_ATOMS = ("r", "U", "f")
_SECRET_HEADERS = ("{cookie}i", "{authorization}i", "{set-cookie}o", "{raw_uri}e", "{query_string}e",
                   "{path_info}e", "{request_uri}e", "{http_cookie}e", "{http_authorization}e", "{http_referer}e")


class RedactingLogger(Logger):
    """Access-log atoms with query strings and signed tokens replaced by an ellipsis."""

    def atoms(self, resp, req, environ, request_time):
        """Gunicorn's atoms, redacted; names left out show as '-' in the log."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _TARGET_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_request_target(atoms[name])
        atoms["q"] = "…" if atoms.get("q") else ""
        for name in _SECRET_HEADERS:
            atoms.pop(name, None)
        return atoms
