"""What a listing's availability means today: accepting, unconfirmed, or long unconfirmed."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..models import Provider, utcnow
from .search import AvailabilityRules


@dataclass(frozen=True)
class Availability:
    """A listing's availability as a person should read it."""

    accepting: bool  # accepting new patients and confirmed within the stale window
    claimed_accepting: bool  # what the listing says, however old
    confirmed_on: date | None
    stale: bool  # said accepting but not confirmed within the stale window


def availability_of(provider: Provider, rules: AvailabilityRules = AvailabilityRules(), now: datetime | None = None) -> Availability:
    """Read a listing's availability against the confirmation rules."""
    now = now or utcnow()
    confirmed = provider.availability_confirmed_at
    fresh = confirmed is not None and confirmed >= now - timedelta(days=rules.stale_days)
    return Availability(
        accepting=bool(provider.accepting_new_patients and fresh),
        claimed_accepting=bool(provider.accepting_new_patients),
        confirmed_on=confirmed.date() if confirmed else None,
        stale=bool(provider.accepting_new_patients and not fresh),
    )
