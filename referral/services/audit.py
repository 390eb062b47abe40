"""The listing audit log: recording each change and reading a listing's history."""
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import ListingAudit, Provider, User, utcnow
from .permissions import require_listing_editor


def json_value(value):
    """A value as the audit log stores it (dates as ISO text, everything else JSON-ready)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    return value


def record_change(provider: Provider, user: User | None, action: str, changes: dict,
                  now: datetime | None = None) -> ListingAudit:
    """Add an audit entry for a change to a listing; `changes` maps field to (old, new)."""
    entry = ListingAudit(
        provider_id=provider.id,
        user_id=user.id if user is not None else None,
        action=action,
        changes={field: [json_value(old), json_value(new)] for field, (old, new) in changes.items()},
        version_after=provider.version_id,
        created_at=now or utcnow(),
    )
    db.session.add(entry)
    return entry


def changes_since(provider_id: int, version: int) -> list[ListingAudit]:
    """Audit entries that produced versions newer than `version`, oldest first."""
    query = (
        select(ListingAudit)
        .where(ListingAudit.provider_id == provider_id, ListingAudit.version_after > version)
        .order_by(ListingAudit.id)
    )
    return list(db.session.scalars(query))


def listing_history(user: User | None, provider_id: int) -> tuple[Provider, list[ListingAudit]]:
    """A listing and its audit log, newest first; the owner and admins only."""
    provider = require_listing_editor(user, provider_id)
    query = select(ListingAudit).where(ListingAudit.provider_id == provider.id).order_by(ListingAudit.id.desc())
    return provider, list(db.session.scalars(query))
