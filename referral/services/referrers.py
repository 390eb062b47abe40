"""Who may refer: referrer NPI profiles, their admin approval, and verified providers."""
from datetime import datetime

from sqlalchemy import select

from ..i18n import gettext as _, lazy_gettext as _l
from ..extensions import db
from ..models import (
    LISTING_VERIFIED,
    REFERRER_APPROVED,
    REFERRER_PENDING,
    REFERRER_REJECTED,
    ROLE_REFERRER,
    Provider,
    ReferrerProfile,
    User,
    utcnow,
)
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .npi import normalize_npi, npi_is_valid
from .permissions import require_admin


def profile_of(user: User | None) -> ReferrerProfile | None:
    """The user's referrer profile, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(ReferrerProfile).where(ReferrerProfile.user_id == user.id))


def owns_verified_listing(user: User) -> bool:
    """Whether the user owns a verified listing (verified providers may refer too)."""
    found = db.session.scalar(
        select(Provider.id).where(Provider.owner_id == user.id, Provider.listing_status == LISTING_VERIFIED).limit(1)
    )
    return found is not None


def can_refer(user: User | None) -> bool:
    """Whether this account may send referrals: an approved referrer or a verified provider."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    profile = profile_of(user)
    if profile is not None and profile.status == REFERRER_APPROVED:
        return True
    return owns_verified_listing(user)


def require_referrer(user: User | None) -> None:
    """Raise PermissionDenied unless the user may refer."""
    if not can_refer(user):
        raise PermissionDenied(_l("Only approved referring clinicians and verified providers can send referrals."))


def referrer_name(user: User | None) -> str:
    """How a referrer is named to recipients: the profile name, else their verified listing, else the account."""
    if user is None:
        return _("A former user")
    profile = profile_of(user)
    if profile is not None and profile.status == REFERRER_APPROVED:
        return profile.display_name
    provider = db.session.scalar(
        select(Provider).where(Provider.owner_id == user.id, Provider.listing_status == LISTING_VERIFIED).limit(1)
    )
    if provider is not None:
        return f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name
    return user.display_name or _("A referring clinician")


def submit_profile(user: User, npi: str, clinician_name: str, credentials: str = "", organization: str = "") -> ReferrerProfile:
    """Create or resubmit the user's referrer profile; it waits for an admin's approval."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_l("Log in to apply as a referring clinician."))
    if user.role != ROLE_REFERRER:
        raise PermissionDenied(
            _l("Only referrer accounts apply with an NPI profile; verified providers can refer already."))
    npi = normalize_npi(npi)
    clinician_name = (clinician_name or "").strip()
    errors = {}
    if not npi_is_valid(npi):
        errors["npi"] = _l("Enter your 10-digit NPI; this one does not pass the NPI check digit.")
    if not clinician_name or len(clinician_name) > 160:
        errors["clinician_name"] = _l("Enter your name as it appears on your license (at most 160 characters).")
    if len(credentials or "") > 80:
        errors["credentials"] = _l("At most %(max)d characters.", max=80)
    if len(organization or "") > 160:
        errors["organization"] = _l("At most %(max)d characters.", max=160)
    if errors:
        raise ValidationFailed(errors)
    profile = profile_of(user)
    taken = db.session.scalar(select(ReferrerProfile).where(ReferrerProfile.npi == npi))
    if taken is not None and (profile is None or taken.id != profile.id):
        raise ValidationFailed({"npi": _l("This NPI is already registered to another account.")})
    if profile is not None and profile.status == REFERRER_APPROVED:
        raise Conflict(_l("Your profile is already approved."))
    if profile is None:
        profile = ReferrerProfile(user_id=user.id)
        db.session.add(profile)
    profile.npi = npi
    profile.clinician_name = clinician_name
    profile.credentials = (credentials or "").strip()
    profile.organization = (organization or "").strip()
    profile.status = REFERRER_PENDING
    profile.rejection_reason = ""
    profile.decided_at = None
    profile.decided_by_id = None
    db.session.flush()
    return profile


def _require_admin(user: User | None) -> None:
    require_admin(user, _l("Only admins review referrer profiles."))


def profiles_for_review(admin: User, status: str = REFERRER_PENDING) -> list[ReferrerProfile]:
    """Referrer profiles in one status, oldest first (admins only)."""
    _require_admin(admin)
    query = select(ReferrerProfile).where(ReferrerProfile.status == status).order_by(ReferrerProfile.created_at, ReferrerProfile.id)
    return list(db.session.scalars(query))


def decide_profile(admin: User, profile_id: int, approve: bool, reason: str = "", now: datetime | None = None) -> ReferrerProfile:
    """Approve a referrer profile, or reject it with a reason the applicant sees."""
    _require_admin(admin)
    profile = db.session.get(ReferrerProfile, profile_id)
    if profile is None:
        raise NotFound(_l("No such referrer profile."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed({"reason": _l("Give the applicant a reason for the rejection.")})
    if len(reason) > 500:
        raise ValidationFailed({"reason": _l("At most %(max)d characters.", max=500)})
    profile.status = REFERRER_APPROVED if approve else REFERRER_REJECTED
    profile.rejection_reason = "" if approve else reason
    profile.decided_at = now or utcnow()
    profile.decided_by_id = admin.id
    db.session.flush()
    return profile
