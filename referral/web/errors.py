"""Error answers: HTML pages, the JSON error shape under /api, FHIR and HSDS in their own formats;
services' NotFound and PermissionDenied as 404 and 403."""
import logging

from flask import make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api.errors import error_response
from ..i18n import lazy_gettext as _l, translated
from ..services.errors import NotFound, PermissionDenied
from .input_boundary import InputRefused

log = logging.getLogger(__name__)
# Lazy: a page reads them in its language, the JSON error shape in English (api/errors.error_response).
MESSAGES = {
    400: _l("That request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("We could not find that page."),
    405: _l("That action is not allowed here."),
    409: _l("Someone else changed this meanwhile."),
    413: _l("That upload is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again."),
}
UNKNOWN_ERROR = _l("Something went wrong.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _interface_error_handler():
    """FHIR's or HSDS's own error handler when the path is theirs (also where routing failed), else None."""
    if request.path == "/fhir" or request.path.startswith("/fhir/"):
        from ..fhir.views import http_error
        return http_error
    if request.path == "/hsds" or request.path.startswith("/hsds/"):
        from ..hsds.views import http_error
        return http_error
    return None


def _render(status: int, description: str | None = None):
    message = MESSAGES.get(status, UNKNOWN_ERROR)
    if _wants_json():
        return error_response(status, description or message)  # written in English, lazy messages included
    return render_template("errors/error.html", status=status, message=str(message)), status


def _refused_input(error: InputRefused):
    if _wants_json():
        return error_response(400, error.description, error.parameter)
    return render_template("errors/error.html", status=400, message=translated(error.page_title),
                           detail=translated(error.page_detail)), 400


def register(app) -> None:
    """Install the error handlers on the app."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        interface_error = _interface_error_handler()
        if interface_error is not None:
            return interface_error(error)
        if isinstance(error, InputRefused):
            return _refused_input(error)
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
        interface_error = _interface_error_handler()
        if interface_error is not None:
            return interface_error(InternalServerError())
        return _render(InternalServerError.code)
