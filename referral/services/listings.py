"""Owning and editing listings: create, claim by NPI, admin review, the editor's save, photos.

Visibility: a brand-new listing is "pending" (not in search) until an admin approves it. A claim on
an existing demo or registry listing leaves that listing public exactly as it was until the claim
is approved; only then does the claimant become its owner and the listing "verified". When the owner
of a verified listing changes who it says it is (IDENTITY_FIELDS), the listing is pending again, out of
search and taking no messages or referrals, until an admin approves the change: what an admin verified
is the name, credentials and type shown beside the NPI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..i18n import gettext as _, in_language, lazy_gettext as _l
from ..models import (
    LISTING_PENDING,
    LISTING_REJECTED,
    LISTING_UNCLAIMED,
    LISTING_VERIFIED,
    REVIEW_APPROVED,
    REVIEW_CHANGE,
    REVIEW_CLAIM,
    REVIEW_NEW,
    REVIEW_PENDING,
    REVIEW_REJECTED,
    ROLE_PROVIDER,
    License,
    ListingAudit,
    ListingReview,
    Office,
    OfficeHours,
    Provider,
    ProviderPhoto,
    ProviderType,
    User,
    utcnow,
)
from .attribute_values import stored_value
from .attributes import ATTRIBUTES, AVAILABILITY, EDITABLE, YES_NO
from .audit import changes_since, json_value, record_change
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .geocoding import US_STATES, ZIP_PATTERN, Geocoder
from .listing_rules import is_public
from .mail import queue_email
from .npi import normalize_npi, npi_is_valid
from .permissions import require_listing_editor
from .photos import reencode_photo

# The listing attributes the editor changes, by their key (services/attributes.py).
EDITABLE_ATTRIBUTES = {attribute.output_key: attribute for attribute in EDITABLE}
# Editable text fields that are not listing attributes -> maximum length (required ones in REQUIRED_TEXT).
TEXT_FIELDS = {"first_name": 80, "last_name": 80, "credentials": 80, "statement": 5000, "statement_es": 5000,
               "phone": 32, "website": 255}
# Free text kept as typed (line breaks and all); the other text fields are single lines.
STATEMENT_FIELDS = ("statement", "statement_es")
REQUIRED_TEXT = ("first_name", "last_name")
REQUIRED_ATTRIBUTES = ("type",)
OFFICE_KEYS = ("address1", "address2", "city", "state", "zip")
OFFICE_LIMITS = {"address1": 160, "address2": 160, "city": 80}
MAX_OFFICES = 10
MAX_LICENSES = 60
MAX_WINDOWS_PER_OFFICE = 14
EDITABLE_FIELDS = tuple(TEXT_FIELDS) + tuple(EDITABLE_ATTRIBUTES) + ("offices", "licenses")
# Who a listing says it is; an owner's change to any of them sends a verified listing back to review. The NPI
# is set when a listing is created and is not an editable field.
IDENTITY_FIELDS = ("first_name", "last_name", "credentials", "type")

FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "credentials": _l("Credentials"),
    "statement": _l("Statement"), "statement_es": _l("Statement in Spanish"),
    "phone": _l("Phone"), "website": _l("Website"), "offices": _l("Offices"), "licenses": _l("Licensed states"),
    "photo": _l("Photo"),
    **{attribute.output_key: attribute.plural if attribute.multiple else attribute.label for attribute in ATTRIBUTES},
    "availability_confirmed_at": _l("Availability confirmed"), "listing_status": _l("Listing status"),
    "owner_id": _l("Owner"), "verified_at": _l("Verified"),
}
WEBSITE_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE_PATTERN = re.compile(r"^[0-9+()\-.\s]{7,32}$")


@dataclass
class Difference:
    """One field that changed meanwhile: its label, the value saved by the other person, and yours."""

    field: str
    label: str
    theirs: str
    yours: str


class StaleEdit(Conflict):
    """A save from an out-of-date copy of the listing; carries what changed meanwhile."""

    def __init__(self, current_version: int, differences: list[Difference]):
        super().__init__(_("Someone else changed this listing since you opened it. Your changes were not saved."))
        self.current_version = current_version
        self.differences = differences


# --- reading -----------------------------------------------------------------------------------

def office_value(office: Office) -> dict:
    """One office as the editor and the history hold it: its address and its weekly hours."""
    value = {key: getattr(office, key) or "" for key in OFFICE_KEYS}
    value["hours"] = [{"day": w.day, "opens": w.opens, "closes": w.closes} for w in office.hours]
    return value


def listing_values(provider: Provider) -> dict:
    """Every editable field's current value, JSON-ready (lists as slugs, offices and licenses as dicts)."""
    values = {name: getattr(provider, name) for name in TEXT_FIELDS}
    values.update({key: stored_value(provider, attribute) for key, attribute in EDITABLE_ATTRIBUTES.items()})
    values["offices"] = [office_value(office) for office in provider.offices]
    values["licenses"] = [{"state": lic.state, "number": lic.number or ""} for lic in provider.licenses]
    return values


def display_value(field_name: str, value) -> str:
    """A stored or submitted value as a person reads it in a conflict or history list."""
    if value is None or value == "" or value == []:
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    attribute = EDITABLE_ATTRIBUTES.get(field_name)
    if attribute is not None and attribute.choices and isinstance(value, str):
        return attribute.choice_label(value)
    if field_name == "offices" and isinstance(value, list):
        return "; ".join(_office_line(office) for office in value if isinstance(office, dict))
    if field_name == "licenses" and isinstance(value, list):
        return ", ".join(
            f"{lic.get('state', '')}{' #' + lic['number'] if lic.get('number') else ''}"
            for lic in value if isinstance(lic, dict)
        )
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _office_line(office: dict) -> str:
    street = ", ".join(part for part in (office.get("address1"), office.get("address2")) if part)
    place = f"{office.get('city', '')}, {office.get('state', '')} {office.get('zip', '')}".strip()
    return f"{street}, {place}" if street else place


def get_listing_for_edit(user: User | None, provider_id: int) -> Provider:
    """A listing the user may change (owner or admin), else NotFound / PermissionDenied."""
    return require_listing_editor(user, provider_id)


# --- ownership: new listings and claims --------------------------------------------------------

def _require_provider_account(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in with a provider account first."))
    if user.role != ROLE_PROVIDER:
        raise PermissionDenied(_("Only provider accounts can create or claim listings."))
    if user.email_confirmed_at is None:
        raise PermissionDenied(_("Confirm your email address first, using the link we sent you."))
    return user


def _checked_npi(text: str) -> str:
    npi = normalize_npi(text)
    if not npi:
        raise ValidationFailed({"npi": _("Enter your 10-digit NPI.")})
    if not re.fullmatch(r"\d{10}", npi):
        raise ValidationFailed({"npi": _("An NPI is exactly 10 digits.")})
    if not npi_is_valid(npi):
        raise ValidationFailed({"npi": _("This is not a valid NPI: its check digit does not match. Please check it.")})
    return npi


def create_listing(user: User | None, data: dict, now: datetime | None = None) -> Provider:
    """A new listing owned by the user, pending until an admin approves it."""
    user = _require_provider_account(user)
    now = now or utcnow()
    errors = {}
    try:
        npi = _checked_npi(data.get("npi", ""))
    except ValidationFailed as error:
        errors.update(error.errors)
        npi = None
    if npi and db.session.scalar(select(Provider.id).where(Provider.npi == npi)) is not None:
        errors["npi"] = _("A listing with this NPI already exists. Claim it instead of creating a new one.")
    cleaned = {}
    for name in ("first_name", "last_name", "credentials"):
        value, error = _clean_text(name, data.get(name, ""))
        if error:
            errors[name] = error
        cleaned[name] = value
    provider_type = _provider_type(data.get("provider_type"))
    if provider_type is None:
        errors["provider_type"] = _("Choose the type of clinician you are.")
    if errors:
        raise ValidationFailed(errors)
    provider = Provider(
        npi=npi, provider_type=provider_type, owner_id=user.id, listing_status=LISTING_PENDING, source="owner",
        accepting_new_patients=False, telehealth=False, in_person=False, created_at=now, updated_at=now, **cleaned,
    )
    db.session.add(provider)
    db.session.flush()
    db.session.add(ListingReview(provider_id=provider.id, requester_id=user.id, kind=REVIEW_NEW, created_at=now))
    record_change(provider, user, "create", {"npi": (None, npi), "listing_status": (None, LISTING_PENDING)}, now)
    db.session.flush()
    return provider


def claim_listing(user: User | None, npi_text: str, now: datetime | None = None) -> ListingReview:
    """Ask to own the listing with this NPI; it stays public as it is until an admin approves."""
    user = _require_provider_account(user)
    now = now or utcnow()
    npi = _checked_npi(npi_text)
    provider = db.session.scalar(select(Provider).where(Provider.npi == npi))
    if provider is None:
        raise ValidationFailed({"npi": _("No listing has this NPI yet. Create a new listing instead.")})
    if provider.owner_id == user.id:
        raise ValidationFailed({"npi": _("This listing is already yours.")})
    if provider.owner_id is not None:
        if provider.listing_status == LISTING_VERIFIED:
            raise ValidationFailed({"npi": _("This listing already belongs to a verified owner. "
                                             "If this is your NPI, please contact the directory's administrators.")})
        raise ValidationFailed({"npi": _("This NPI is already waiting for review for another account.")})
    waiting = db.session.scalar(select(ListingReview.id).where(
        ListingReview.provider_id == provider.id, ListingReview.requester_id == user.id,
        ListingReview.status == REVIEW_PENDING,
    ))
    if waiting is not None:
        raise ValidationFailed({"npi": _("Your claim on this listing is already waiting for review.")})
    review = ListingReview(provider_id=provider.id, requester_id=user.id, kind=REVIEW_CLAIM, created_at=now)
    db.session.add(review)
    db.session.flush()
    return review


def resubmit_listing(user: User | None, provider_id: int, now: datetime | None = None) -> ListingReview:
    """Send a rejected listing back to the review queue after the owner has changed it."""
    provider = require_listing_editor(user, provider_id)
    if provider.listing_status != LISTING_REJECTED:
        raise Conflict(_("Only a rejected listing can be sent for review again."))
    now = now or utcnow()
    provider.listing_status = LISTING_PENDING
    provider.updated_at = now
    review = ListingReview(provider_id=provider.id, requester_id=user.id, kind=REVIEW_NEW, created_at=now)
    db.session.add(review)
    db.session.flush()
    record_change(provider, user, "resubmit", {"listing_status": (LISTING_REJECTED, LISTING_PENDING)}, now)
    return review


# --- admin review ------------------------------------------------------------------------------

# The approval email's first sentence, by the kind of request.
APPROVED_SENTENCES = {
    REVIEW_NEW: _l("Your new listing for %(name)s has been approved and verified on %(date)s."),
    REVIEW_CLAIM: _l("Your claim on the listing for %(name)s has been approved and verified on %(date)s."),
    REVIEW_CHANGE: _l("The changes to your listing for %(name)s have been approved, and it is verified again as of "
                      "%(date)s."),
}
# Requests whose listing waits out of search, and stays out of it when the request is rejected.
HIDDEN_WHILE_REVIEWED = (REVIEW_NEW, REVIEW_CHANGE)


def _require_admin(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_admin:
        raise PermissionDenied(_("Only administrators review listings."))
    return user


def pending_reviews(user: User | None) -> list[ListingReview]:
    """The review queue, oldest first (admins only)."""
    _require_admin(user)
    query = select(ListingReview).where(ListingReview.status == REVIEW_PENDING).order_by(
        ListingReview.created_at, ListingReview.id
    )
    return list(db.session.scalars(query))


def _pending_review(review_id: int) -> ListingReview:
    review = db.session.get(ListingReview, review_id)
    if review is None:
        raise NotFound(_("No such review request."))
    if review.status != REVIEW_PENDING:
        raise Conflict(_("This request has already been decided."))
    return review


def approve_review(user: User | None, review_id: int, now: datetime | None = None) -> ListingReview:
    """Approve a new listing or a claim: the requester owns a verified listing from now on."""
    admin = _require_admin(user)
    review = _pending_review(review_id)
    now = now or utcnow()
    provider = review.provider
    if review.kind == REVIEW_CLAIM and provider.owner_id is not None and provider.owner_id != review.requester_id:
        raise Conflict(_("This listing already has another owner."))
    before = {"owner_id": provider.owner_id, "listing_status": provider.listing_status,
              "verified_at": provider.verified_at}
    provider.owner_id = review.requester_id
    provider.listing_status = LISTING_VERIFIED
    provider.verified_at = now
    provider.updated_at = now
    review.status, review.decided_at, review.decided_by_id = REVIEW_APPROVED, now, admin.id
    if review.kind == REVIEW_CLAIM:
        _reject_competing_claims(review, admin, now)
    db.session.flush()
    after = {"owner_id": provider.owner_id, "listing_status": provider.listing_status, "verified_at": now}
    record_change(provider, admin, "approve",
                  {key: (before[key], after[key]) for key in before if before[key] != after[key]}, now)
    with in_language(review.requester.language):
        first = str(APPROVED_SENTENCES[review.kind]) % {"name": provider.name,
                                                        "date": format_date(now, "long", rebase=False)}
        queue_email(
            review.requester.email, _("Your listing is verified"),
            first + "\n\n"
            + _("You can now keep it up to date from your dashboard. Please confirm your availability regularly: "
                "listings left unconfirmed for weeks stop showing as accepting new patients.") + "\n",
            kind="listing.approved",
        )
    db.session.flush()
    return review


@dataclass
class IdentityChange:
    """One identity field of a listing waiting for review: as an admin last verified it, and as it is now."""

    label: str
    verified: str
    now: str


def identity_changes(review: ListingReview) -> list[IdentityChange]:
    """What a changed-identity request asks an admin to check: each identity field that differs from the
    value the listing had when it was last verified (read from the audit log since the request)."""
    entries = db.session.scalars(select(ListingAudit).where(
        ListingAudit.provider_id == review.provider_id, ListingAudit.action == "edit",
        ListingAudit.created_at >= review.created_at,
    ).order_by(ListingAudit.id))
    verified: dict = {}
    for entry in entries:
        for name in IDENTITY_FIELDS:
            if name in entry.changes:
                verified.setdefault(name, entry.changes[name][0])
    current = listing_values(review.provider)
    return [IdentityChange(FIELD_LABELS[name], display_value(name, verified[name]), display_value(name, current[name]))
            for name in IDENTITY_FIELDS if name in verified and verified[name] != current[name]]


def _reject_competing_claims(approved: ListingReview, admin: User, now: datetime) -> None:
    others = db.session.scalars(select(ListingReview).where(
        ListingReview.provider_id == approved.provider_id, ListingReview.status == REVIEW_PENDING,
        ListingReview.id != approved.id,
    ))
    for other in others:
        other.status, other.decided_at, other.decided_by_id = REVIEW_REJECTED, now, admin.id
        with in_language(other.requester.language):  # the reason is shown to that account, on its dashboard
            other.reason = _("Another account's claim on this listing was approved.")


def reject_review(user: User | None, review_id: int, reason: str, now: datetime | None = None) -> ListingReview:
    """Reject a new listing or a claim with a reason the provider sees on the dashboard."""
    admin = _require_admin(user)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed({"reason": _("Give the provider a reason (they will see it).")})
    if len(reason) > 2000:
        raise ValidationFailed({"reason": _("Keep the reason under %(limit)d characters.", limit=2000)})
    review = _pending_review(review_id)
    now = now or utcnow()
    review.status, review.decided_at, review.decided_by_id, review.reason = REVIEW_REJECTED, now, admin.id, reason
    provider = review.provider
    if review.kind in HIDDEN_WHILE_REVIEWED:
        provider.listing_status = LISTING_REJECTED
        provider.updated_at = now
        db.session.flush()
        record_change(provider, admin, "reject", {"listing_status": (LISTING_PENDING, LISTING_REJECTED)}, now)
    with in_language(review.requester.language):
        queue_email(
            review.requester.email, _("Your listing request was not approved"),
            _("Your request for the listing of %(name)s was not approved. The reason is shown on your dashboard, "
              "with what you can do next.", name=provider.name) + "\n",
            kind="listing.rejected",
        )
    db.session.flush()
    return review


# --- the editor's save -------------------------------------------------------------------------

def _clean_text(name: str, value) -> tuple[str, str | None]:
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", _("Must be text.")
    value = value.replace("\r\n", "\n").strip() if name in STATEMENT_FIELDS else " ".join(value.split())
    if name in REQUIRED_TEXT and not value:
        return value, _("This is required.")
    if len(value) > TEXT_FIELDS[name]:
        return value, _("Keep this under %(limit)d characters.", limit=TEXT_FIELDS[name])
    if name == "website" and value and not WEBSITE_PATTERN.match(value):
        return value, _("Enter the full address, starting with https://")
    if name == "phone" and value and not PHONE_PATTERN.match(value):
        return value, _("Enter a phone number (digits, spaces, dashes, parentheses).")
    return value, None


def _reference_item(model, slug):
    if not isinstance(slug, str) or not slug:
        return None
    return db.session.scalar(select(model).where(model.slug == slug))


def _provider_type(slug) -> ProviderType | None:
    return _reference_item(ProviderType, slug)


def _clean_offices(value, errors: dict) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors["offices"] = _("Offices must be a list of addresses.")
        return []
    if len(value) > MAX_OFFICES:
        errors["offices"] = _("List at most %(limit)d offices.", limit=MAX_OFFICES)
    offices = []
    for index, raw in enumerate(value[:MAX_OFFICES]):
        prefix = f"offices-{index}-"
        for key in OFFICE_KEYS:
            if raw.get(key) is not None and not isinstance(raw[key], str):
                errors[prefix + key] = _("Enter this as text.")
        office = {key: " ".join(raw[key].split()) if isinstance(raw.get(key), str) else "" for key in OFFICE_KEYS}
        office["state"] = office["state"].upper()
        for key, limit in OFFICE_LIMITS.items():
            if len(office[key]) > limit:
                errors[prefix + key] = _("Keep this under %(limit)d characters.", limit=limit)
        if not office["city"]:
            errors[prefix + "city"] = _("Enter the city.")
        if office["state"] not in US_STATES:
            errors[prefix + "state"] = _("Choose the state.")
        if not ZIP_PATTERN.match(office["zip"]):
            errors[prefix + "zip"] = _("Enter a 5-digit ZIP code.")
        office["hours"] = _clean_hours(raw.get("hours", []), prefix + "hours", errors)
        offices.append(office)
    return offices


def _clean_hours(value, key: str, errors: dict) -> list[dict]:
    """Weekly windows {day 0-6, opens, closes in minutes after midnight}, each opening before it closes."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors[key] = _("Hours must be a list of {day, opens, closes}.")
        return []
    if len(value) > MAX_WINDOWS_PER_OFFICE:
        errors[key] = _("List at most %(limit)d opening windows per office.", limit=MAX_WINDOWS_PER_OFFICE)
        return []
    windows = []
    for raw in value:
        day, opens, closes = raw.get("day"), raw.get("opens"), raw.get("closes")
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (day, opens, closes)):
            errors[key] = _("Give each day's hours as whole minutes after midnight.")
            return []
        if not 0 <= day <= 6 or not 0 <= opens < closes <= 1440:
            errors[key] = _("Each day's hours must open before they close, within the day.")
            return []
        windows.append({"day": day, "opens": opens, "closes": closes})
    return sorted(windows, key=lambda w: (w["day"], w["opens"]))


def _clean_licenses(value, errors: dict) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors["licenses"] = _("Licenses must be a list of {state, number}.")
        return []
    if len(value) > MAX_LICENSES:
        errors["licenses"] = _("List at most %(limit)d licenses.", limit=MAX_LICENSES)
    licenses, seen = [], set()
    for index, raw in enumerate(value[:MAX_LICENSES]):
        state = str(raw.get("state") or "").strip().upper()
        number = " ".join(str(raw.get("number") or "").split())
        if state not in US_STATES:
            errors[f"licenses-{index}-state"] = _("Choose the state of this license.")
        if len(number) > 40:
            errors[f"licenses-{index}-number"] = _("Keep the license number under %(limit)d characters.", limit=40)
        if (state, number) not in seen:
            seen.add((state, number))
            licenses.append({"state": state, "number": number})
    return licenses


def _clean_slugs(name: str, value, errors: dict) -> list:
    model = EDITABLE_ATTRIBUTES[name].reference
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[name] = _("Must be a list of choices.")
        return []
    slugs = sorted(set(value))
    items = list(db.session.scalars(select(model).where(model.slug.in_(slugs)))) if slugs else []
    unknown = sorted(set(slugs) - {item.slug for item in items})
    if unknown:
        errors[name] = _("Unknown choice: %(values)s.", values=", ".join(unknown))
    return items


def _clean_number(name: str, value, maximum: int, errors: dict) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = _("Enter a whole number.")
        return None
    if not 0 <= value <= maximum:
        errors[name] = _("Enter a number between 0 and %(maximum)d.", maximum=maximum)
    return value


def _clean_attribute(name: str, attribute, value, errors: dict):
    """One listing attribute's submitted value, checked against what the registry says it holds."""
    if attribute.reference is not None and attribute.multiple:
        return _clean_slugs(name, value, errors)
    if attribute.reference is not None:
        item = _reference_item(attribute.reference, value)
        if item is None and (value not in (None, "") or name in REQUIRED_ATTRIBUTES):
            if name in REQUIRED_ATTRIBUTES:
                errors[name] = _("Choose the %(field)s.", field=str(attribute.label).lower())
            else:
                errors[name] = _("Unknown choice.")
        return item
    if attribute.choices:
        if value in (None, ""):
            return None
        if value not in {choice.value for choice in attribute.choices}:
            errors[name] = _("Unknown choice.")
        return value
    if attribute.filter in (YES_NO, AVAILABILITY):
        if not isinstance(value, bool):
            errors[name] = _("Must be true or false.")
        return bool(value)
    if attribute.maximum is not None:
        return _clean_number(name, value, attribute.maximum, errors)
    if not isinstance(value, str):
        errors[name] = _("Must be text.")
        return ""
    value = " ".join(value.split())
    if attribute.max_length is not None and len(value) > attribute.max_length:
        errors[name] = _("Keep this under %(limit)d characters.", limit=attribute.max_length)
    return value


def _clean(changes: dict, merged: dict) -> tuple[dict, dict]:
    """Validate submitted fields; returns (cleaned values, errors by field)."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name, value in changes.items():
        if name in TEXT_FIELDS:
            cleaned[name], error = _clean_text(name, value)
            if error:
                errors[name] = error
        elif name in EDITABLE_ATTRIBUTES:
            cleaned[name] = _clean_attribute(name, EDITABLE_ATTRIBUTES[name], value, errors)
        elif name == "offices":
            cleaned[name] = _clean_offices(value, errors)
        elif name == "licenses":
            cleaned[name] = _clean_licenses(value, errors)
        else:
            errors[name] = _("This field cannot be changed here.")
    # Rules across fields, on the listing as it would be after the save.
    scalars = {k for k, a in EDITABLE_ATTRIBUTES.items() if not a.is_list}
    after = {**merged, **{k: v for k, v in cleaned.items() if k in scalars}}
    offices = cleaned.get("offices", merged.get("offices", []))
    licenses = cleaned.get("licenses", merged.get("licenses", []))
    if after.get("fee_min") is not None and after.get("fee_max") is not None and after["fee_min"] > after["fee_max"]:
        errors.setdefault("fee_max", _("The highest fee cannot be lower than the lowest fee."))
    if after.get("fee") is not None and not (after.get("fee_min") or 0) <= after["fee"] <= (after.get("fee_max") or after["fee"]):
        errors.setdefault("fee", _("The standard fee should lie between the lowest and the highest fee."))
    if after.get("in_person") and not offices:
        in_person = EDITABLE_ATTRIBUTES.get("in_person")
        errors.setdefault("offices", _("Add an office address, or untick “%(field)s”.",
                                       field=str(in_person.question) if in_person else "Sees people in person"))
    if after.get("telehealth") and not licenses:
        errors.setdefault("licenses",
                          _("Add the states you are licensed in, so people there can find your telehealth."))
    return cleaned, errors


def _geocode_offices(provider: Provider, offices: list[dict], geocoder: Geocoder, errors: dict) -> list[Office]:
    """Office rows for the submitted addresses: unchanged ones keep their point, others are geocoded."""
    existing = {tuple(getattr(o, k) or "" for k in OFFICE_KEYS): o for o in provider.offices}
    result = []
    for index, office in enumerate(offices):
        key = tuple(office[k] for k in OFFICE_KEYS)
        row = existing.pop(key, None)
        if row is not None and row.lat is not None and row.lng is not None:
            _set_hours(row, office["hours"])
            result.append(row)
            continue
        place = _locate_office(geocoder, office)
        if place is None:
            errors[f"offices-{index}-zip"] = (
                _("We could not find this address on the map. Check the street, city, state and ZIP code.")
            )
            continue
        if place.state and place.state != office["state"]:
            errors[f"offices-{index}-zip"] = _("ZIP code %(zip)s is in %(found)s, not %(typed)s.", zip=office["zip"],
                                               found=place.state, typed=office["state"])
            continue
        row = row or Office()
        for k in OFFICE_KEYS:
            setattr(row, k, office[k])
        row.lat, row.lng = place.lat, place.lng
        _set_hours(row, office["hours"])
        result.append(row)
    return result


def _set_hours(office: Office, windows: list[dict]) -> None:
    if [(w.day, w.opens, w.closes) for w in office.hours] != [(w["day"], w["opens"], w["closes"]) for w in windows]:
        office.hours = [OfficeHours(**window) for window in windows]


def _locate_office(geocoder: Geocoder, office: dict):
    if office["address1"]:
        place = geocoder.locate(_office_line(office))
        if place is not None and (not place.state or place.state == office["state"]):
            return place
    return geocoder.locate(office["zip"])


def _differences(provider: Provider, version: int, submitted: dict) -> list[Difference]:
    """What changed since `version`, from the audit log: field, current value, submitted value."""
    current = listing_values(provider)
    fields: list[str] = []
    for entry in changes_since(provider.id, version):
        for name in entry.changes:
            if name not in fields:
                fields.append(name)
    if not fields:  # no audit trail for the gap: show every field where the copies differ
        fields = [name for name in submitted if name in current and submitted[name] != current[name]]
    differences = []
    for name in fields:
        theirs = current.get(name, json_value(getattr(provider, name, None)))
        yours = submitted.get(name, theirs) if name in EDITABLE_FIELDS else None
        differences.append(Difference(
            name, str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize())),
            display_value(name, theirs), _("(not in the editor)") if yours is None else display_value(name, yours),
        ))
    return differences


def _comparable(name: str, value):
    attribute = EDITABLE_ATTRIBUTES.get(name)
    if attribute is not None and attribute.reference is not None:
        return sorted(item.slug for item in value) if attribute.multiple else (value.slug if value else None)
    return value


def update_listing(user: User | None, provider_id: int, changes: dict, version, geocoder: Geocoder, *,
                   photo: bytes | None = None, remove_photo: bool = False,
                   now: datetime | None = None) -> Provider:
    """Save the editor (or an API call): validate, geocode new offices, refuse a stale version, audit.

    `changes` holds any subset of EDITABLE_FIELDS; `version` is the version the editor was opened at.
    """
    provider = require_listing_editor(user, provider_id)
    now = now or utcnow()
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed({"version": _("The listing's version is required (an integer).")})
    current = listing_values(provider)
    cleaned, errors = _clean(changes, current)
    if version != provider.version_id:
        if errors:  # what could never be saved is refused as such, whatever the version
            raise ValidationFailed(errors)
        raise StaleEdit(provider.version_id, _differences(provider, version, changes))
    new_photo = None
    if photo:
        try:
            new_photo = reencode_photo(photo)
        except ValidationFailed as error:
            errors.update(error.errors)
    offices = None
    if "offices" in cleaned and not any(key.startswith("offices") for key in errors):
        if cleaned["offices"] != current["offices"]:
            offices = _geocode_offices(provider, cleaned["offices"], geocoder, errors)
    if errors:
        raise ValidationFailed(errors)

    diff: dict[str, tuple] = {}
    for name, value in cleaned.items():
        if name in ("offices", "licenses"):
            continue
        old, new = current[name], _comparable(name, value)
        if old != new:
            diff[name] = (old, new)
            setattr(provider, EDITABLE_ATTRIBUTES[name].column if name in EDITABLE_ATTRIBUTES else name, value)
    if offices is not None:
        diff["offices"] = (current["offices"], cleaned["offices"])
        provider.offices = offices
    if "licenses" in cleaned and cleaned["licenses"] != current["licenses"]:
        diff["licenses"] = (current["licenses"], cleaned["licenses"])
        provider.licenses = [License(state=lic["state"], number=lic["number"]) for lic in cleaned["licenses"]]
    if "accepting_new_patients" in diff:
        # Saying whether you take new patients is a statement about today: it confirms availability.
        diff["availability_confirmed_at"] = (provider.availability_confirmed_at, now)
        provider.availability_confirmed_at = now
    if new_photo is not None:
        _store_photo(provider, *new_photo, now=now)
        diff["photo"] = ("", "new photo")
    elif remove_photo and provider.photo is not None:
        provider.photo = None
        diff["photo"] = ("photo", "")
    if not diff:
        return provider
    asks_review = _changes_identity_of_verified(provider, user, diff)
    if asks_review:
        diff["listing_status"] = (provider.listing_status, LISTING_PENDING)
        provider.listing_status = LISTING_PENDING
    provider.updated_at = now  # an UPDATE of the row, so that the version moves even for list-only changes
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(Provider, provider_id)
        raise StaleEdit(fresh.version_id, _differences(fresh, version, changes))
    record_change(provider, user, "edit", diff, now)
    if asks_review:
        db.session.add(ListingReview(provider_id=provider.id, requester_id=provider.owner_id, kind=REVIEW_CHANGE,
                                     created_at=now))
    db.session.flush()
    return provider


def _changes_identity_of_verified(provider: Provider, user: User, diff: dict) -> bool:
    """Whether a save by someone other than an admin changes who a verified listing says it is."""
    return (provider.listing_status == LISTING_VERIFIED and not user.is_admin
            and any(name in diff for name in IDENTITY_FIELDS))


def _store_photo(provider: Provider, data: bytes, content_type: str, now: datetime) -> None:
    if provider.photo is None:
        provider.photo = ProviderPhoto(content_type=content_type, data=data, updated_at=now)
    else:
        provider.photo.content_type, provider.photo.data, provider.photo.updated_at = content_type, data, now


def photo_for(user: User | None, provider_id: int) -> ProviderPhoto:
    """A listing's photo if the listing is public, or if the user may edit it."""
    from .permissions import can_edit_listing

    provider = db.session.get(Provider, provider_id)
    if provider is None or provider.photo is None:
        raise NotFound(_("No photo."))
    if not is_public(provider) and not can_edit_listing(user, provider):
        raise NotFound(_("No photo."))
    return provider.photo


# --- the dashboard -----------------------------------------------------------------------------

@dataclass
class Dashboard:
    """What a provider sees: their listings, their claims, and inquiries per listing."""

    listings: list[Provider] = field(default_factory=list)
    claims: list[ListingReview] = field(default_factory=list)
    latest_review: dict[int, ListingReview] = field(default_factory=dict)
    inquiries: dict[int, list] = field(default_factory=dict)


def dashboard_for(user: User | None) -> Dashboard:
    """The signed-in user's listings, claims (pending and decided) and inquiries."""
    from .inquiries import inquiries_for_owner

    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in first."))
    listings = list(db.session.scalars(
        select(Provider).where(Provider.owner_id == user.id).order_by(Provider.last_name, Provider.id)
    ))
    reviews = list(db.session.scalars(
        select(ListingReview).where(ListingReview.requester_id == user.id).order_by(ListingReview.id.desc())
    ))
    latest: dict[int, ListingReview] = {}
    for review in reviews:
        latest.setdefault(review.provider_id, review)
    owned = {p.id for p in listings}
    claims = [r for r in reviews if r.kind == REVIEW_CLAIM and r.provider_id not in owned]
    return Dashboard(listings, claims, latest, inquiries_for_owner(user, [p.id for p in listings]))


LISTING_STATUS_TEXT = {
    LISTING_PENDING: _l("Waiting for review: not shown in search yet"),
    LISTING_VERIFIED: _l("Verified"),
    LISTING_REJECTED: _l("Not approved"),
    LISTING_UNCLAIMED: _l("Unclaimed"),
}
