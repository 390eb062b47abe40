"""Admin pages: the review queue for new listings, claims and changed identities."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import REVIEW_CHANGE
from ..services.errors import Conflict, ValidationFailed
from ..services.listings import approve_review, identity_changes, pending_reviews, reject_review
from .forms.listings import ActionForm, RejectForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render_queue(reject_form=None, rejecting_id=None, status=200):
    reviews = pending_reviews(current_user._get_current_object())
    changes = {review.id: identity_changes(review) for review in reviews if review.kind == REVIEW_CHANGE}
    return render_template("admin/reviews.html", reviews=reviews, changes=changes, action_form=ActionForm(),
                           reject_form=reject_form or RejectForm(), rejecting_id=rejecting_id), status


@bp.get("/")
@login_required
def index():
    """The admin home: the review queue."""
    if not current_user.is_admin:
        abort(403)
    return redirect(url_for(".reviews"))


@bp.get("/reviews")
@login_required
def reviews():
    """New listings, claims and changed identities waiting for a decision, oldest first."""
    return _render_queue()


@bp.post("/reviews/<int:review_id>/approve")
@login_required
def approve(review_id: int):
    """Approve: the requester owns the listing, which shows as verified."""
    if not ActionForm().validate():
        abort(400)
    try:
        review = approve_review(current_user._get_current_object(), review_id)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".reviews"))
    db.session.commit()
    flash(f"Approved: {review.provider.name} is verified.")
    return redirect(url_for(".reviews"))


@bp.post("/reviews/<int:review_id>/reject")
@login_required
def reject(review_id: int):
    """Reject with a reason the provider sees."""
    form = RejectForm()
    if not form.validate():
        abort(400)
    try:
        review = reject_review(current_user._get_current_object(), review_id, form.reason.data or "")
    except ValidationFailed as error:
        form.reason.errors = list(form.reason.errors or []) + [error.errors.get("reason", error.message)]
        return _render_queue(form, review_id, 400)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".reviews"))
    db.session.commit()
    flash(f"Rejected the request for {review.provider.name}; the provider sees your reason.")
    return redirect(url_for(".reviews"))
