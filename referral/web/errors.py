"""Error pages: HTML for pages, the JSON error shape under /api; services' NotFound and PermissionDenied as 404 and 403."""
import logging

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..services.errors import NotFound, PermissionDenied

log = logging.getLogger(__name__)
MESSAGES = {
    400: "That request could not be understood.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    409: "Someone else changed this meanwhile.",
    413: "That upload is too large.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Please try again.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, description: str | None = None):
    message = MESSAGES.get(status, "Something went wrong.")
    if _wants_json():
        return jsonify({"error": {"parameter": None, "message": description or message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app) -> None:
    """Install the error handlers on the app."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # FHIR and HSDS answer in their own formats, also where routing failed before their blueprint was known.
        if request.path == "/fhir" or request.path.startswith("/fhir/"):
            from ..fhir.views import http_error as fhir_error
            return fhir_error(error)
        if request.path == "/hsds" or request.path.startswith("/hsds/"):
            from ..hsds.views import http_error as hsds_error
            return hsds_error(error)
        response, status = _render(error.code or 500, None if error.code in MESSAGES else error.description)
        if status == 405 and getattr(error, "valid_methods", None):
            response = make_response(response, status)
            response.headers["Allow"] = ", ".join(error.valid_methods)
            return response
        return response, status

    @app.errorhandler(NotFound)
    def _domain_not_found(_error: NotFound):
        return _render(404)

    @app.errorhandler(PermissionDenied)
    def _domain_forbidden(_error: PermissionDenied):
        return _render(403)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError.code)
