"""Reading single provider listings for profile pages and the API."""
from sqlalchemy import select

from ..extensions import db
from ..models import Provider
from .errors import NotFound
from .listing_rules import is_public
from .search import listing_load_options


def get_public_provider(provider_id: int) -> Provider:
    """A listing anyone may see (searchable and active), with everything a profile shows."""
    if not 0 < provider_id < 2**31:  # ids beyond the integer column would overflow the driver: nobody has them
        raise NotFound("No such provider in the directory.")
    query = select(Provider).where(Provider.id == provider_id).options(*listing_load_options())
    provider = db.session.scalar(query)
    if provider is None or not is_public(provider):
        raise NotFound("No such provider in the directory.")
    return provider
