"""Open Referral HSDS 3.0 API under /hsds: organizations (practices), services, locations (offices)."""
from flask import Blueprint

hsds_bp = Blueprint("hsds", __name__, url_prefix="/hsds")

from . import views  # noqa: E402,F401  (routes register on import)
