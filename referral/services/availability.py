"""What a listing's availability means today: accepting, unconfirmed, or long unconfirmed."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta


from ..i18n import gettext as _
from ..models import Provider, utcnow
from .batch import BatchReport, for_each_row
from .search import AvailabilityRules


@dataclass(frozen=True)
class Availability:
    """A listing's availability as a person should read it."""

    accepting: bool  # accepting new patients, confirmed within the stale window, and answering messages
    claimed_accepting: bool  # what the listing says, however old
    confirmed_on: date | None
    stale: bool  # said accepting but not confirmed within the stale window
    not_answering: bool = False  # has left several recent messages unanswered (see services/responsiveness.py)


def availability_of(provider: Provider, rules: AvailabilityRules = AvailabilityRules(), now: datetime | None = None) -> Availability:
    """Read a listing's availability against the confirmation rules and, for a listing read for display, its answering."""
    from .responsiveness import listing_responsiveness

    now = now or utcnow()
    confirmed = provider.availability_confirmed_at
    fresh = confirmed is not None and confirmed >= now - timedelta(days=rules.stale_days)
    not_answering = listing_responsiveness(provider).not_answering
    return Availability(
        accepting=rules.counts_as_accepting(provider.accepting_new_patients, confirmed, not_answering, now),
        claimed_accepting=bool(provider.accepting_new_patients),
        confirmed_on=confirmed.date() if confirmed else None,
        stale=bool(provider.accepting_new_patients and not fresh),
        not_answering=bool(provider.accepting_new_patients and not_answering),
    )


# --- confirming availability: one click on the dashboard, or a signed link in a reminder email ---

CONFIRM_LINK_SALT = "availability.confirm"


def confirm_availability(user, provider_id: int, now: datetime | None = None):
    """The owner (or an admin) confirms the listing's availability as it stands today."""
    from sqlalchemy.orm.exc import StaleDataError

    from ..extensions import db
    from .audit import record_change
    from .permissions import require_listing_editor

    now = now or utcnow()
    for attempt in range(2):
        provider = require_listing_editor(user, provider_id)
        before = provider.availability_confirmed_at
        provider.availability_confirmed_at = now
        provider.updated_at = now
        try:
            db.session.flush()
            break
        except StaleDataError:
            # Another request wrote the listing at the same moment (two clicks on the link): confirm its version.
            # Confirming is the only write of the requests that call this, so the whole session is rolled back.
            if attempt:
                raise
            db.session.rollback()
    record_change(provider, user, "confirm", {"availability_confirmed_at": (before, now)}, now)
    db.session.flush()
    return provider


def confirmation_token(secret_key: str, provider: Provider) -> str:
    """A signed token that confirms this listing's availability for its current owner."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_LINK_SALT).dumps({"p": provider.id, "o": provider.owner_id})


def provider_for_token(secret_key: str, token: str, max_age_days: int) -> Provider:
    """The listing an emailed confirmation link is for, without changing it; ValidationFailed when the link is
    bad, expired, or its listing has changed owner since."""
    from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

    from ..extensions import db
    from .errors import ValidationFailed

    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_LINK_SALT)
    try:
        payload = serializer.loads(token, max_age=max_age_days * 86400)
    except SignatureExpired:
        raise ValidationFailed(
            {"token": _("This confirmation link has expired. Log in to confirm from your dashboard.")})
    except BadSignature:
        raise ValidationFailed({"token": _("This confirmation link is not valid.")})
    provider = db.session.get(Provider, payload.get("p")) if isinstance(payload, dict) else None
    if provider is None or provider.owner_id is None or provider.owner_id != payload.get("o"):
        raise ValidationFailed({"token": _("This confirmation link is no longer valid for this listing.")})
    return provider


def confirm_by_token(secret_key: str, token: str, max_age_days: int, now: datetime | None = None):
    """Confirm availability from an emailed link's page; ValidationFailed when the link is bad or expired."""
    from ..extensions import db
    from ..models import User

    provider = provider_for_token(secret_key, token, max_age_days)
    return confirm_availability(db.session.get(User, provider.owner_id), provider.id, now)


def send_reminders(secret_key: str, base_url: str, reminder_days: int, stale_days: int = 45,
                   now: datetime | None = None) -> BatchReport:
    """Email owners whose confirmation is older than `reminder_days`, at most once per that period, one listing at
    a time; returns the BatchReport (a listing that fails is reported and the others go on)."""
    from sqlalchemy import exists, or_, select

    from ..extensions import db
    from ..models import LISTING_VERIFIED, AvailabilityReminder, User

    now = now or utcnow()
    cutoff = now - timedelta(days=reminder_days)
    recently_reminded = exists().where(
        AvailabilityReminder.provider_id == Provider.id, AvailabilityReminder.sent_at >= cutoff
    )
    query = (
        select(Provider.id)
        .join(User, User.id == Provider.owner_id)
        .where(
            Provider.listing_status == LISTING_VERIFIED,
            Provider.active.is_(True),
            or_(Provider.availability_confirmed_at.is_(None), Provider.availability_confirmed_at < cutoff),
            ~recently_reminded,
        )
        .order_by(Provider.id)
    )
    due = db.session.scalars(query).all()
    return for_each_row("listing", due, lambda provider_id: send_reminder(provider_id, secret_key, base_url,
                                                                          stale_days, now))


def send_reminder(provider_id: int, secret_key: str, base_url: str, stale_days: int, now: datetime) -> bool:
    """Email one listing's owner to confirm its availability, and record the reminder."""
    from flask_babel import format_date

    from ..extensions import db
    from ..i18n import in_language, site_root
    from ..models import AvailabilityReminder, User
    from .mail import queue_email

    provider = db.session.get(Provider, provider_id)
    owner = db.session.get(User, provider.owner_id)
    link = f"{site_root(base_url, owner.language)}/availability/confirm/{confirmation_token(secret_key, provider)}"
    confirmed = provider.availability_confirmed_at
    with in_language(owner.language):
        if confirmed:
            unconfirmed = _("Your listing (%(name)s) has not confirmed its availability since %(day)s.",
                            name=provider.name, day=format_date(confirmed, "long", rebase=False))
        else:
            unconfirmed = _("Your listing (%(name)s) has not confirmed its availability yet.", name=provider.name)
        says = (_("It currently says: accepting new patients.") if provider.accepting_new_patients
                else _("It currently says: not accepting new patients."))
        subject = _("Please confirm your availability")
        paragraphs = [
            f"{unconfirmed}\n{says}",
            _("If that is still true, confirm with one click:") + "\n" + link,
            _("If it has changed, log in and update your listing from your dashboard.") + "\n"
            + _("Listings unconfirmed for %(days)s days stop showing as accepting new patients.", days=stale_days),
        ]
        body = "\n\n".join(paragraphs) + "\n"
    queue_email(owner.email, subject, body, kind="availability.reminder")
    db.session.add(AvailabilityReminder(provider_id=provider.id, sent_at=now))
    db.session.flush()
    return True
