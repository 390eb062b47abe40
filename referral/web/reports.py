"""Reporting a wrong listing from its profile: no account, rate-limited, a honeypot for bots."""
from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_limiter.util import get_remote_address

from ..extensions import csrf, db, limiter
from ..services.errors import NotFound, ValidationFailed
from ..services.follow_ups import follow_up_counts
from ..services.listing_reader import read_listing
from ..services.providers import get_public_provider
from ..services.reports import open_report_counts, reporter_key, submit_report
from ..services.responsiveness import ResponsivenessRules, listing_responsiveness
from .forms.reports import ReportForm
from ..i18n import gettext as _, request_links_by_language
from .providers import bp, kept_search


def private(response_and_status):
    """A page holding what a visitor typed, or reached by a personal link: kept out of every cache."""
    response = current_app.make_response(response_and_status)
    response.headers["Cache-Control"] = "no-store"
    return response


# Exempt from the global CSRF check so that a report sent from a page left open too long comes back with
# everything typed; the form checks its own token.
@bp.route("/providers/<int:provider_id>/report", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["RATELIMIT_REPORT"], methods=["POST"])
def report(provider_id: int):
    """Tell the directory that a listing is wrong: the form, then the report queued for admins and its owner told."""
    try:
        provider = get_public_provider(provider_id)
    except NotFound:
        abort(404)
    form = ReportForm()
    if not form.is_submitted():
        return private(render_template("providers/report.html", provider=provider, form=form, token_expired=False))
    if form.validate():
        try:
            submit_report(provider_id, form.to_data(),
                          reporter=reporter_key(current_app.config["SECRET_KEY"], get_remote_address()),
                          dashboard_url=request_links_by_language("listings.dashboard"))
        except ValidationFailed as error:
            form.attach_errors(error.errors)
        else:
            db.session.commit()
            flash(_("Thank you. We will check this listing, and its owner has been told."))
            return redirect(url_for(".profile", provider_id=provider_id, **kept_search()))
    return private((render_template("providers/report.html", provider=provider, form=form,
                                    token_expired="csrf_token" in form.errors), 400))


@bp.app_template_global("listing_signals")
def listing_signals(provider_id: int) -> SimpleNamespace:
    """What the owner's dashboard shows of how its listing is doing: the listing as the public reads it (answering
    included), its responsiveness figures, its visitors' follow-up answers (counts only) and its open reports."""
    record = read_listing(provider_id)
    return SimpleNamespace(
        record=record,
        responsiveness=listing_responsiveness(record),
        rules=ResponsivenessRules.from_config(current_app.config),
        follow_ups=follow_up_counts([provider_id])[provider_id],
        reports=open_report_counts([provider_id])[provider_id],
    )
