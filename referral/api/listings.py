"""GET/PUT/PATCH /api/v1/listings/<id>: the owner's (or an admin's) listing, with optimistic locking.

Authenticated by the session cookie. The API blueprint is exempt from CSRF tokens, so changes must
come as application/json, which a cross-site form cannot send.
"""
from flask import current_app, jsonify, request
from flask_login import current_user

from ..extensions import db
from ..models import Provider
from ..services.column_ranges import fits_column
from ..services.listings import EDITABLE_FIELDS, StaleEdit, get_listing_for_edit, listing_values, update_listing
from . import api_bp
from .errors import error_response, in_english


def _acting_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _listing_body(provider) -> dict:
    return {"id": provider.id, "version": provider.version_id, "listing_status": provider.listing_status,
            **listing_values(provider)}


@api_bp.get("/listings/<int:provider_id>")
def get_listing(provider_id: int):
    """The editable fields of a listing and its current version (owner or admin)."""
    if _acting_user() is None:
        return error_response(401, "log in first")
    with in_english():
        provider = get_listing_for_edit(_acting_user(), provider_id)
    return jsonify(_listing_body(provider))


@api_bp.route("/listings/<int:provider_id>", methods=["PUT", "PATCH"])
def change_listing(provider_id: int):
    """Change a listing: PATCH some fields, PUT all of them; "version" is required, a stale one gets 409."""
    if _acting_user() is None:
        return error_response(401, "log in first")
    if not request.is_json:
        return error_response(415, "send the changes as application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_response(400, "the body must be a JSON object")
    with in_english():
        get_listing_for_edit(_acting_user(), provider_id)  # 404 / 403 before looking at the fields
    if "version" not in body:
        return error_response(400, "version is required: the version you read the listing at", "version")
    version = body.pop("version")
    if isinstance(version, int) and not isinstance(version, bool) and not fits_column(version, Provider.version_id):
        return error_response(400, "version is not one this listing can have: send the version you read it at",
                              "version")
    body.pop("id", None)
    body.pop("listing_status", None)
    if request.method == "PUT":
        missing = [name for name in EDITABLE_FIELDS if name not in body]
        if missing:
            return error_response(400, f"PUT replaces the whole listing; missing: {', '.join(missing)}", missing[0])
    try:
        with in_english():
            provider = update_listing(_acting_user(), provider_id, body, version, current_app.extensions["geocoder"])
    except StaleEdit as error:
        return error_response(409, error.message, "version", current_version=error.current_version, changed=[
            {"field": d.field, "theirs": d.theirs, "yours": d.yours} for d in error.differences
        ])
    db.session.commit()
    return jsonify(_listing_body(provider))
