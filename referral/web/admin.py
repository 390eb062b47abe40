"""Admin pages: the review queue for new listings, claims and changed identities, visitors' reports, and the
directory's own truth (its figures, charts and CSV)."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import gettext as _, lazy_gettext as _l, ngettext, translated
from ..models import REPORT_KINDS, REVIEW_CHANGE, utcnow
from ..services.errors import Conflict, ValidationFailed
from ..services.listings import (
    FIELD_LABELS,
    approve_review,
    display_value,
    identity_changes,
    pending_reviews,
    reject_review,
)
from ..services.reports import report_queue, resolve_reports
from ..services.truth import UNKNOWN_TYPE, directory_truth, truth_csv
from ..services.truth_charts import group_chart, weekly_chart
from .forms.listings import ActionForm, RejectForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A listing's stored status and source are codes; the admin pages show them as words in the reader's language.
LISTING_STATUS_LABELS = {"unclaimed": _l("unclaimed"), "pending": _l("pending"), "verified": _l("verified"),
                         "rejected": _l("rejected")}
LISTING_SOURCE_LABELS = {"demo": _l("demo"), "nppes": _l("nppes"), "owner": _l("owner")}


def _percent(value: float) -> str:
    """A share with one decimal, written as the reader writes numbers: 12.5 % (12,5 %)."""
    return f"{format_decimal(value, '0.0')} %"


@bp.context_processor
def _page_helpers():
    return {"status_labels": LISTING_STATUS_LABELS, "source_labels": LISTING_SOURCE_LABELS, "percent": _percent}


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
        flash(str(error.message), "error")
        return redirect(url_for(".reviews"))
    db.session.commit()
    flash(_("Approved: %(name)s is verified.", name=review.provider.name))
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
        flash(str(error.message), "error")
        return redirect(url_for(".reviews"))
    db.session.commit()
    flash(_("Rejected the request for %(name)s; the provider sees your reason.", name=review.provider.name))
    return redirect(url_for(".reviews"))


@bp.get("/reports")
@login_required
def reports():
    """Listings visitors reported as wrong, those marked for review first, each with its recent history."""
    queue = report_queue(current_user._get_current_object(), current_app.config)
    response = current_app.make_response(render_template(
        "admin/reports.html", queue=queue, action_form=ActionForm(), display_value=display_value, labels=FIELD_LABELS,
        kinds=REPORT_KINDS))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/reports/<int:provider_id>/resolve")
@login_required
def resolve(provider_id: int):
    """Close a listing's open reports once it has been checked (and corrected if needed); its caution goes."""
    if not ActionForm().validate():
        abort(400)
    closed = resolve_reports(current_user._get_current_object(), provider_id)
    db.session.commit()
    flash(ngettext("Resolved %(num)d report.", "Resolved %(num)d reports.", closed) if closed
          else _("Nothing was open for that listing."))
    return redirect(url_for(".reports"))


@bp.get("/truth")
@login_required
def truth():
    """The directory's own truth: confirmed, answered within 3 days, reported; by type, by state, week by week."""
    figures = _truth()
    top_states = dict(sorted(figures.by_state.items(), key=lambda item: -item[1].listings)[:TOP_STATES])
    type_rows = {_type_label(name): tally for name, tally in figures.by_type.items()}
    response = current_app.make_response(render_template(
        "admin/truth.html", truth=figures, type_rows=type_rows, weekly=weekly_chart(figures.weeks),
        by_type=group_chart(type_rows, _("The three shares by type of clinician"), "by-type"),
        by_state=group_chart(top_states, ngettext("The three shares in the %(num)d state with most listings",
                                                  "The three shares in the %(num)d states with most listings",
                                                  len(top_states)), "by-state")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/truth.csv")
@login_required
def truth_csv_download():
    """The same figures as the truth page, as CSV."""
    body = truth_csv(_truth())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=directory-truth-{utcnow():%Y-%m-%d}.csv",
        "Cache-Control": "no-store"})


# The states charted (all are in the table and the CSV).
TOP_STATES = 15


def _type_label(name: str) -> str:
    """A type of clinician as the truth page shows it: in the reader's language."""
    return _("Unknown") if name == UNKNOWN_TYPE else translated(name)


def _truth():
    if not current_user.is_admin:
        abort(403)
    return directory_truth(current_app.config["AVAILABILITY_STALE_DAYS"])
