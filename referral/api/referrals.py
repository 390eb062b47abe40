"""Referrals in JSON, with the session login: list, read, transitions and messages. Answers Cache-Control: no-store."""
from flask import jsonify, request
from flask_login import current_user

from ..database import takes_write_transaction
from ..extensions import db
from ..services import referrals as service
from ..services.errors import ValidationFailed
from . import api_bp
from .errors import error_response, in_english
from .referral_schemas import copy_dict, referral_dict

PREFIX = "/api/v1/referrals"


@api_bp.after_request
def _no_store(response):
    if request.path.startswith(PREFIX):
        response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in():
    """The signed-in user, or None (the caller answers 401)."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _unauthorized():
    return error_response(401, "Log in to use the referrals API.")


@api_bp.errorhandler(service.PatientDetailsFound)
def _patient_details_found(error: service.PatientDetailsFound):
    """400 naming the field and the kinds of patient detail found in it (never the text itself)."""
    return error_response(400, error.message, error.parameter, errors=error.errors, kinds=error.kinds)


def _json_body() -> dict:
    # A JSON body only: a cross-site HTML form cannot send one, which keeps session-authenticated POSTs safe.
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "Send a JSON object with Content-Type: application/json."})
    return body


@api_bp.get("/referrals")
def list_referrals():
    """The referrals the user sent and the copies sent to listings they own; ?state= filters both."""
    user = _signed_in()
    if user is None:
        return _unauthorized()
    state = request.args.get("state") or None
    with in_english():
        sent = service.referrer_referrals(user, state)
        received = service.inbox(user, state)
    return jsonify({
        "sent": [referral_dict(s.referral, s.referral.copies, summary=s) for s in sent],
        "received": [copy_dict(c, include_referral=True) for c in received],
    })


@api_bp.get("/referrals/<public_id>")
@takes_write_transaction
def get_referral(public_id: str):
    """One referral: every copy for the referrer and admins (audited), only their own copy for a recipient."""
    user = _signed_in()
    if user is None:
        return _unauthorized()
    with in_english():
        view = service.get_referral(user, public_id, via="api")
    db.session.commit()
    return jsonify(referral_dict(view.referral, view.copies, summary=service.summarize(view.referral)
                                 if view.role != service.RECIPIENT else None))


@api_bp.get("/referrals/copies/<public_id>")
@takes_write_transaction
def get_copy(public_id: str):
    """One copy with its timeline and thread (the recipient's first read marks it viewed)."""
    user = _signed_in()
    if user is None:
        return _unauthorized()
    with in_english():
        view = service.get_copy(user, public_id, via="api")
    db.session.commit()
    return jsonify(copy_dict(view.copy, include_referral=True, detail=True, actions=[t.action for t in view.actions]))


@api_bp.post("/referrals/copies/<public_id>/transitions")
def post_transition(public_id: str):
    """Apply an action: {"action": "accept" | "decline" (+ "reason") | "request_info" (+ "message") |
    "schedule" (+ "appointment_date") | "mark_attended" | "close" | "cancel" | "view"}. 409 when illegal now."""
    user = _signed_in()
    if user is None:
        return _unauthorized()
    body = _json_body()
    action = body.get("action")
    if not isinstance(action, str) or not action:
        raise ValidationFailed({"action": "Give the action to take."})
    with in_english():
        copy = service.transition(user, public_id, action, reason=body.get("reason"),
                                  appointment_date=body.get("appointment_date"), message=body.get("message"))
    db.session.commit()
    return jsonify(copy_dict(copy, include_referral=True, detail=True))


@api_bp.post("/referrals/copies/<public_id>/messages")
def post_message(public_id: str):
    """Write in a copy's thread: {"body": "..."}."""
    user = _signed_in()
    if user is None:
        return _unauthorized()
    body = _json_body()
    text = body.get("body")
    if not isinstance(text, str):
        raise ValidationFailed({"body": "Write a message."})
    with in_english():
        message = service.post_message(user, public_id, text)
    db.session.commit()
    return jsonify({"id": message.id, "author_role": message.author_role, "body": message.body,
                    "created_at": message.created_at.isoformat()}), 201
