"""The search's default order in Python: the reference its SQL is checked against."""
import math
from datetime import datetime, timedelta

from referral.services.search import BAND_MILES, AvailabilityRules

# Availability as people read it on a card, by how it ranks.
ACCEPTING, UNKNOWN, NOT_ACCEPTING = 0, 1, 2


def availability_rank(accepting: bool | None, confirmed: datetime | None, now: datetime,
                      rules: AvailabilityRules = AvailabilityRules()) -> int:
    """Accepting (confirmed within the stale window), unknown, or not accepting (confirmed so, however long ago)."""
    if accepting and confirmed is not None and confirmed >= now - timedelta(days=rules.stale_days):
        return ACCEPTING
    if accepting is False and confirmed is not None:
        return NOT_ACCEPTING
    return UNKNOWN


def best_match_key(accepting: bool | None, confirmed: datetime | None, miles: float | None, ties: tuple,
                   now: datetime, rules: AvailabilityRules = AvailabilityRules()) -> tuple:
    """The best-match order: the distance band where there is a distance, then availability, then `ties`."""
    rank = availability_rank(accepting, confirmed, now, rules)
    return (rank, *ties) if miles is None else (math.floor(miles / BAND_MILES), rank, *ties)
