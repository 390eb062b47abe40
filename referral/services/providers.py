"""Reading single provider listings for profile pages and the API."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import SEARCHABLE_LISTING_STATUSES, Provider
from .errors import NotFound


def get_public_provider(provider_id: int) -> Provider:
    """A listing anyone may see (searchable and active), with everything a profile shows."""
    if not 0 < provider_id < 2**31:  # ids beyond the integer column would overflow the driver: nobody has them
        raise NotFound("No such provider in the directory.")
    query = select(Provider).where(Provider.id == provider_id).options(
        selectinload(Provider.offices),
        selectinload(Provider.licenses),
        selectinload(Provider.modalities),
        selectinload(Provider.frequencies),
        selectinload(Provider.concerns),
        selectinload(Provider.insurance_plans),
        selectinload(Provider.languages),
        selectinload(Provider.age_groups),
        selectinload(Provider.treatment_lengths),
    )
    provider = db.session.scalar(query)
    if provider is None or provider.listing_status not in SEARCHABLE_LISTING_STATUSES or not provider.active:
        raise NotFound("No such provider in the directory.")
    return provider
