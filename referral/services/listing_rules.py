"""The two rules every part of the directory asks of a listing: is it public, and can it be contacted."""
from ..models import LISTING_VERIFIED, SEARCHABLE_LISTING_STATUSES, Provider


def is_public(provider: Provider) -> bool:
    """Whether anyone may find and see the listing: in a searchable status and active."""
    return provider.listing_status in SEARCHABLE_LISTING_STATUSES and provider.active


def public_clauses(*, located: bool = False) -> list:
    """is_public as SQL WHERE clauses on Provider.

    With `located`, the status test is written so that no index on providers can serve it
    (`status || ''`): the planner must then start from the office coordinates of a distance search.
    """
    status = Provider.listing_status.concat("") if located else Provider.listing_status
    return [status.in_(SEARCHABLE_LISTING_STATUSES), Provider.active.is_(True)]


def can_be_contacted(provider: Provider) -> bool:
    """Whether the listing takes messages and referrals: verified, active, with an owner to answer them."""
    return provider.owner_id is not None and provider.listing_status == LISTING_VERIFIED and provider.active


def contactable_clauses() -> list:
    """can_be_contacted as SQL WHERE clauses on Provider."""
    return [Provider.owner_id.is_not(None), Provider.listing_status == LISTING_VERIFIED, Provider.active.is_(True)]
