"""/healthz: whether this process can serve, for load balancers and uptime checks.

One trivial statement through the app's engine, no template, no session and no rate limit, so that
it is the cheapest request the app answers and says nothing about what went wrong beyond "the
database did not answer" (no connection strings, no exception text).
"""
from flask import Blueprint, jsonify

from ..extensions import limiter
from ..services.health import database_answers

bp = Blueprint("health", __name__)


# GET (and the HEAD Flask derives from it) only: no automatic OPTIONS answer.
@bp.route("/healthz", methods=["GET"], provide_automatic_options=False)
@limiter.exempt
def healthz():
    """200 {"status": "ok"} when the database answers, else 503 {"status": "unavailable", ...}."""
    if database_answers():
        response = jsonify({"status": "ok"})
    else:
        response = jsonify({"status": "unavailable", "reason": "database unreachable"})
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response
