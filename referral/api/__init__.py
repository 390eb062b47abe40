"""JSON API blueprints under /api/v1."""
from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import errors, export, listings, openapi, providers, reference, referrals  # noqa: E402,F401  (routes register on import)
from .openapi import docs_bp  # noqa: E402,F401  (/api/docs, outside the /api/v1 prefix)
