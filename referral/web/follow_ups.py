"""The inquiry follow-up: leaving an address after writing to a clinician, and answering the emailed question."""
from flask import abort, current_app, render_template, request

from ..extensions import csrf, db
from ..services.errors import Conflict, NotFound, ValidationFailed
from ..services.follow_ups import ANSWER_LABELS, answer_follow_up, ask_for_follow_up, open_follow_up, record_for_offer
from .forms.reports import FollowUpOfferForm, LinkForm
from .providers import bp
from .reports import private


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _closed(error, status: int):
    return private((render_template("providers/follow_up_closed.html", message=error.message), status))


def _opened(open_link, token: str):
    """(what an emailed link opens, None), or (None, the page saying the link has closed); 404 for no such link."""
    try:
        return open_link(_secret(), token), None
    except NotFound:
        abort(404)
    except Conflict as error:
        return None, _closed(error, 200)
    except ValidationFailed as error:
        return None, _closed(error, 400)


@bp.route("/follow-up/offer/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so that an expired one keeps the address typed
def follow_up_offer(token: str):
    """After an inquiry: the offer to be asked, once, whether the clinician got back to them."""
    record, closed = _opened(record_for_offer, token)
    if closed is not None:
        return closed
    form = FollowUpOfferForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                ask_for_follow_up(_secret(), token, form.email.data or "", current_app.config)
            except ValidationFailed as error:
                form.email.errors = list(form.email.errors or []) + [error.errors.get("email", error.message)]
            else:
                db.session.commit()
                return private(render_template("providers/follow_up_offer.html", record=record, form=None,
                                               asked=True, token_expired=False))
    return private((render_template("providers/follow_up_offer.html", record=record, form=form, asked=False,
                                    token_expired="csrf_token" in form.errors), status))


@bp.route("/follow-up/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token
def follow_up_answer(token: str):
    """The emailed question: did the clinician get back to you? One button per answer."""
    _, closed = _opened(open_follow_up, token)
    if closed is not None:
        return closed
    form = LinkForm()
    if not form.is_submitted():
        return private(render_template("providers/follow_up.html", form=form, answers=ANSWER_LABELS, answered=None,
                                       token_expired=False, answer_error=None))
    answer_error = None
    if form.validate():
        try:
            record = answer_follow_up(_secret(), token, request.form.get("answer", ""))
        except ValidationFailed as error:
            answer_error = error.errors.get("answer", error.message)
        else:
            db.session.commit()
            return private(render_template("providers/follow_up.html", form=None, answers=ANSWER_LABELS,
                                           answered=record.visitor_answer, token_expired=False, answer_error=None))
    return private((render_template("providers/follow_up.html", form=form, answers=ANSWER_LABELS, answered=None,
                                    token_expired="csrf_token" in form.errors, answer_error=answer_error), 400))
