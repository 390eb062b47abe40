"""Search alerts: "tell me when someone opens up".

From a search with no clinician accepting new patients, a visitor leaves an email address. Only that
address and the search's own parameters are stored. Nothing is sent until the visitor confirms by the
emailed link (double opt-in); an unconfirmed alert is erased after CONFIRM_DAYS. `flask send-alerts`
(daily) mails a confirmed alert at most once a week, when clinicians matching the search have confirmed
since its last mail that they are accepting: the mail carries their number and a link to the search,
nothing about the person. Every mail links to a one-click unsubscribe that erases the alert; an alert
expires ALERT_DAYS after it was confirmed, and `flask purge` erases it.
"""
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from babel.dates import format_skeleton
from flask_babel import format_date, get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, gettext as _, in_language, language_or_default, ngettext, site_root
from ..models import SearchAlert, utcnow
from .batch import BatchReport, for_each_row
from .errors import Conflict, NotFound, ValidationFailed
from .inquiries import EMAIL_PATTERN
from .mail import queue_email
from .mail_erasure import erase_sent_mail
from .search import AvailabilityRules, search_providers
from .search_params import KNOWN_PARAMETERS, SearchLimits, parse_search

CONFIRM_SALT = "search-alert.confirm"
UNSUBSCRIBE_SALT = "search-alert.unsubscribe"
CONFIRM_DAYS = 2
ALERT_DAYS = 90
MAIL_EVERY = timedelta(days=7)
# Parameters that say how a page of results is shown, not what is searched for.
NOT_KEPT = frozenset({"page", "per_page", "sort", "accepting"})
MAX_QUERY = SearchAlert.query.type.length
CONFIRM_MAIL, MATCH_MAIL = "alert.confirm", "alert.match"  # outbox kinds
ALERT_MAIL = (CONFIRM_MAIL, MATCH_MAIL)


def alert_query(raw: str) -> str:
    """A search's query string reduced to what it searches for, in a stable order; "" when nothing is left."""
    if not raw or len(raw) > MAX_QUERY:
        return ""
    try:
        pairs = parse_qsl(raw, max_num_fields=200)
    except ValueError:
        return ""
    return urlencode(sorted((key, value) for key, value in pairs if key in KNOWN_PARAMETERS - NOT_KEPT and value))


def accepting_criteria(query: str, geocoder, limits: SearchLimits):
    """The alert's search, limited to clinicians counted as accepting; ValidationFailed when it no longer parses."""
    criteria = parse_search(MultiDict(parse_qsl(query)), geocoder, limits)
    return replace(criteria.with_filters(accepting=True), page=1, per_page=limits.max_per_page)


def has_accepting_match(criteria, rules: AvailabilityRules) -> bool:
    """Whether any clinician matching the search counts as accepting new patients."""
    probe = replace(criteria.with_filters(accepting=True), page=1, per_page=1)
    return bool(search_providers(probe, rules=rules).hits)


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def subscribe(email: str, raw_query: str, *, geocoder, limits: SearchLimits, secret_key: str, base_url: str,
              honeypot: str = "", language: str = DEFAULT_LANGUAGE, now: datetime | None = None) -> SearchAlert | None:
    """Store an unconfirmed alert and mail its confirmation link; None when nothing new is stored.

    `language` is the one the alert was asked for in: its emails are written in it.

    The page says the same whatever happened (a bot's honeypot, an alert that already exists), so that it
    tells nobody which addresses have alerts.
    """
    now = now or utcnow()
    query = alert_query(raw_query)
    address = (email or "").strip()
    errors = {}
    if len(address) > SearchAlert.email.type.length or not EMAIL_PATTERN.match(address):
        errors["email"] = _("Enter an email address like name@example.com.")
    if not query:
        errors["search"] = _("Start from a search: this page needs the search to watch.")
    else:
        try:
            parse_search(MultiDict(parse_qsl(query)), geocoder, limits)
        except ValidationFailed:
            errors["search"] = _("This search cannot be watched: go back and search again.")
    if errors:
        raise ValidationFailed(errors)
    if honeypot.strip():
        return None
    existing = db.session.scalar(select(SearchAlert).where(
        SearchAlert.email == address, SearchAlert.query == query,
        or_(SearchAlert.expires_at.is_(None), SearchAlert.expires_at > now)))
    if existing is not None and existing.confirmed_at is not None:
        return None
    alert = existing or SearchAlert(email=address, query=query, created_at=now)
    alert.language = language_or_default(language)
    db.session.add(alert)
    db.session.flush()
    link = f"{site_root(base_url, alert.language)}/alerts/confirm/{confirm_token(secret_key, alert)}"
    with in_language(alert.language):
        queue_email(
            address, _("Confirm your search alert"),
            ngettext("Someone (we hope you) asked to be emailed when a clinician matching a search on the directory "
                     "starts accepting new patients.\n\nTo start these emails, confirm within %(num)d day:\n%(link)s"
                     "\n\nIf it was not you, ignore this email: nothing will be sent, and the address is erased.\n",
                     "Someone (we hope you) asked to be emailed when a clinician matching a search on the directory "
                     "starts accepting new patients.\n\nTo start these emails, confirm within %(num)d days:\n%(link)s"
                     "\n\nIf it was not you, ignore this email: nothing will be sent, and the address is erased.\n",
                     CONFIRM_DAYS, link=link),
            kind=CONFIRM_MAIL,
        )
    return alert


def confirm_token(secret_key: str, alert: SearchAlert) -> str:
    """The signed link part, mailed when the alert is asked for, that confirms it."""
    return _serializer(secret_key, CONFIRM_SALT).dumps(alert.id)


def _alert_for(secret_key: str, salt: str, token: str, max_age: int | None) -> SearchAlert:
    try:
        alert_id = _serializer(secret_key, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed({"token": _("This link has expired. Start again from a search.")}) from None
    except BadSignature:
        raise ValidationFailed({"token": _("This link is not valid.")}) from None
    alert = db.session.get(SearchAlert, alert_id) if isinstance(alert_id, int) and 0 < alert_id < 2**31 else None
    if alert is None:
        raise NotFound(_("This alert no longer exists: it was cancelled or has expired."))
    return alert


def alert_to_confirm(secret_key: str, token: str) -> SearchAlert:
    """The alert a confirmation link is for, while unconfirmed; Conflict once confirmed."""
    alert = _alert_for(secret_key, CONFIRM_SALT, token, CONFIRM_DAYS * 86400)
    if alert.confirmed_at is not None:
        raise Conflict(_("This alert is already confirmed."))
    return alert


def confirm(secret_key: str, token: str, now: datetime | None = None) -> SearchAlert:
    """Start the alert: it runs for ALERT_DAYS from now."""
    alert = alert_to_confirm(secret_key, token)
    now = now or utcnow()
    alert.confirmed_at = now
    alert.expires_at = now + timedelta(days=ALERT_DAYS)
    db.session.flush()
    return alert


def unsubscribe_token(secret_key: str, alert: SearchAlert) -> str:
    """The signed link part that cancels the alert."""
    return _serializer(secret_key, UNSUBSCRIBE_SALT).dumps(alert.id)


def alert_to_cancel(secret_key: str, token: str) -> SearchAlert:
    """The alert an unsubscribe link is for; NotFound once it is gone."""
    return _alert_for(secret_key, UNSUBSCRIBE_SALT, token, None)


def unsubscribe(secret_key: str, token: str) -> None:
    """Erase the alert, address and search, with the copies of the mail sent for it."""
    alert = alert_to_cancel(secret_key, token)
    _erase_mail_to([alert.email])
    db.session.delete(alert)
    db.session.flush()


def _erase_mail_to(addresses: list[str]) -> None:
    """Erase the sent alert mail to addresses that no remaining alert uses."""
    kept = set(db.session.scalars(select(SearchAlert.email).where(SearchAlert.email.in_(addresses)).group_by(
        SearchAlert.email).having(func.count() > 1)))
    erase_sent_mail(ALERT_MAIL, [address for address in addresses if address not in kept])


def send_alerts(secret_key: str, base_url: str, *, geocoder, limits: SearchLimits, rules: AvailabilityRules,
                now: datetime | None = None) -> BatchReport:
    """Mail every confirmed, unexpired alert not mailed in the last week whose search has newly accepting clinicians."""
    now = now or utcnow()
    due = db.session.scalars(
        select(SearchAlert.id)
        .where(SearchAlert.confirmed_at.is_not(None), SearchAlert.expires_at > now,
               or_(SearchAlert.last_sent_at.is_(None), SearchAlert.last_sent_at <= now - MAIL_EVERY))
        .order_by(SearchAlert.id)
    ).all()
    return for_each_row("alert", due, lambda alert_id: _send_one(alert_id, secret_key, base_url, geocoder, limits,
                                                                 rules, now))


def _send_one(alert_id: int, secret_key: str, base_url: str, geocoder, limits, rules, now: datetime) -> bool:
    alert = db.session.get(SearchAlert, alert_id)
    since = alert.last_sent_at or alert.confirmed_at
    try:
        criteria = accepting_criteria(alert.query, geocoder, limits)
    except ValidationFailed:
        return False  # the search no longer parses (a place renamed, say): nothing to tell
    hits = search_providers(criteria, now=now, rules=rules).hits
    opened = sum(1 for hit in hits if hit.provider.availability_confirmed_at >= since)
    if not opened:
        return False
    base = site_root(base_url, alert.language)
    with in_language(alert.language):
        queue_email(
            alert.email, _("Clinicians matching your search are accepting new patients"),
            ngettext("%(num)d clinician matching your search has confirmed since %(since)s that they are accepting "
                     "new patients.\n\nSee them: %(link)s\n\nThis alert ends on %(end)s; you will get at most one "
                     "email a week until then.\nStop these emails (one click): %(stop)s\n",
                     "%(num)d clinicians matching your search have confirmed since %(since)s that they are accepting "
                     "new patients.\n\nSee them: %(link)s\n\nThis alert ends on %(end)s; you will get at most one "
                     "email a week until then.\nStop these emails (one click): %(stop)s\n",
                     opened, since=format_skeleton("MMMMd", since, locale=get_locale()),
                     link=f"{base}/search?{alert.query}&accepting=true", end=format_date(alert.expires_at, "long"),
                     stop=f"{base}/alerts/unsubscribe/{unsubscribe_token(secret_key, alert)}"),
            kind=MATCH_MAIL,
        )
    alert.last_sent_at = now
    db.session.flush()
    return True


def purge_alerts(now: datetime, config) -> int:
    """Erase alerts never confirmed within CONFIRM_DAYS and alerts past their expiry; returns how many."""
    unconfirmed = (SearchAlert.confirmed_at.is_(None)) & (SearchAlert.created_at < now - timedelta(days=CONFIRM_DAYS))
    ending = unconfirmed | (SearchAlert.expires_at <= now)
    ended = db.session.execute(select(SearchAlert.id, SearchAlert.email).where(ending)).all()
    for alert_id, address in ended:
        _erase_mail_to([address])
        db.session.execute(delete(SearchAlert).where(SearchAlert.id == alert_id))
    return len(ended)
