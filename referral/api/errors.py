"""The API's error shape: {"error": {"parameter": ..., "message": ...}}.

Error messages are English whatever Accept-Language asks for (labels in answers follow it): a view runs the
services that may refuse it inside in_english(), and error bodies are written in English.
"""
from flask import jsonify

from ..extensions import csrf
from ..i18n import DEFAULT_LANGUAGE, in_language
from ..services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from . import api_bp

csrf.exempt(api_bp)


def in_english():
    """Context manager: messages worded inside it (a refusal a service raises) are English."""
    return in_language(DEFAULT_LANGUAGE)


def error_response(status: int, message: str, parameter: str | None = None, **extra):
    """A JSON error body with its status; messages held as lazy translations are written in English."""
    body = {"error": {"parameter": parameter, "message": message, **extra}}
    with in_english():
        response = jsonify(body)
    response.headers["Content-Language"] = DEFAULT_LANGUAGE
    return response, status


@api_bp.errorhandler(ValidationFailed)
def _validation_failed(error: ValidationFailed):
    return error_response(400, error.message, error.parameter, errors=error.errors)


@api_bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return error_response(404, error.message or "not found")


@api_bp.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied):
    return error_response(403, error.message or "forbidden")


@api_bp.errorhandler(Conflict)
def _conflict(error: Conflict):
    return error_response(409, error.message or "conflict")
