"""The API's error shape: {"error": {"parameter": ..., "message": ...}}."""
from flask import jsonify

from ..extensions import csrf
from ..services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from . import api_bp

csrf.exempt(api_bp)


def error_response(status: int, message: str, parameter: str | None = None, **extra):
    """A JSON error body with its status."""
    body = {"error": {"parameter": parameter, "message": message, **extra}}
    return jsonify(body), status


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
