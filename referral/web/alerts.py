"""Search alerts on the web: the offer under a search with nobody accepting, the form, and the emailed links."""
from urllib.parse import urlencode

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_date

from ..extensions import csrf, db, limiter
from ..i18n import current_language, gettext as _
from ..services.alerts import (
    alert_query,
    alert_to_cancel,
    alert_to_confirm,
    confirm,
    has_accepting_match,
    subscribe,
    unsubscribe,
)
from ..services.availability import availability_of
from ..services.errors import Conflict, NotFound, ValidationFailed
from ..services.search_params import parse_search
from ..services.search_summary import filter_chips
from .context import availability_rules, geocoder, search_limits
from .forms.reports import AlertForm, LinkForm
from .providers import bp
from .reports import private


@bp.app_template_global("alert_offer_url")
def alert_offer_url(results, criteria) -> str | None:
    """Where to ask for an alert, under a search where nobody matching counts as accepting; else None."""
    if results is None or criteria is None or criteria.filters.get("accepting") is False:
        return None
    rules = availability_rules()
    if any(availability_of(hit.provider, rules).accepting for hit in results.hits):
        return None
    query = alert_query(request.query_string.decode("utf-8", "replace"))
    if not query or has_accepting_match(criteria, rules):
        return None
    return f"{url_for('providers.search_alert')}?{query}"


def _alert_page(form, criteria, status=200, *, sent=False, token_expired=False):
    return private((render_template("alerts/new.html", form=form, criteria=criteria, sent=sent,
                                    chips=filter_chips(criteria) if criteria else [],
                                    search_url=f"{url_for('search.search')}?{_query()}" if _query() else None,
                                    token_expired=token_expired), status))


def _query() -> str:
    return alert_query(request.query_string.decode("utf-8", "replace"))


@bp.route("/alerts/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so that an expired one keeps the address typed
@limiter.limit(lambda: current_app.config["RATELIMIT_ALERT"], methods=["POST"])
def search_alert():
    """Ask to be emailed when a clinician matching this search (or near a place typed here) starts accepting."""
    query = _query()
    criteria = None
    if query:
        try:
            criteria = parse_search(request.args, geocoder(), search_limits())
        except ValidationFailed:
            abort(404)  # a link whose search no longer parses
    form = AlertForm()
    if not form.is_submitted():
        return _alert_page(form, criteria)
    if form.validate():
        watched = query or alert_query(urlencode({"near": " ".join((form.near.data or "").split())}))
        try:
            subscribe(form.email.data or "", watched, geocoder=geocoder(), limits=search_limits(),
                      secret_key=current_app.config["SECRET_KEY"], base_url=current_app.config["PUBLIC_BASE_URL"],
                      honeypot=form.website.data or "", language=current_language())
        except ValidationFailed as error:
            if criteria is None and "search" in error.errors:
                error.errors["near"] = _("Enter a US ZIP code, or a city and state (for example Portland, OR).")
                del error.errors["search"]
            form.attach_errors(error.errors)
        else:
            db.session.commit()
            return _alert_page(None, criteria, sent=True)
    return _alert_page(form, criteria, 400, token_expired="csrf_token" in form.errors)


def _link_page(template: str, status: int = 200, **context):
    return private((render_template(template, **context), status))


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token
def search_alert_confirm(token: str):
    """The double opt-in: the emailed link's page, whose button starts the alert."""
    secret = current_app.config["SECRET_KEY"]
    try:
        alert = alert_to_confirm(secret, token)
    except (NotFound, ValidationFailed, Conflict) as error:
        return _link_page("alerts/link.html", 200 if isinstance(error, Conflict) else 400, message=error.message)
    form = LinkForm()
    if form.is_submitted() and form.validate():
        confirm(secret, token)
        db.session.commit()
        return _link_page("alerts/link.html", message=_(
            "Your alert is on. We will email you, at most once a week, when a clinician matching your search starts "
            "accepting new patients. It ends on %(date)s.", date=format_date(alert.expires_at, "long")),
            search_url=f"{url_for('search.search')}?{alert.query}")
    return _link_page("alerts/confirm.html", 400 if form.is_submitted() else 200, form=form,
                      action=_("Start the alert"), retry=form.is_submitted(),
                      search_url=f"{url_for('search.search')}?{alert.query}")


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token
def search_alert_unsubscribe(token: str):
    """The emailed unsubscribe link's page: one button erases the alert."""
    secret = current_app.config["SECRET_KEY"]
    try:
        alert = alert_to_cancel(secret, token)
    except NotFound as error:
        return _link_page("alerts/link.html", message=error.message)
    except ValidationFailed as error:
        return _link_page("alerts/link.html", 400, message=error.message)
    form = LinkForm()
    if form.is_submitted() and form.validate():
        unsubscribe(secret, token)
        db.session.commit()
        return _link_page("alerts/link.html", message=_("Your alert is cancelled, and your email address is erased."))
    return _link_page("alerts/confirm.html", 400 if form.is_submitted() else 200, form=form,
                      action=_("Stop these emails"), retry=form.is_submitted(),
                      search_url=f"{url_for('search.search')}?{alert.query}")

