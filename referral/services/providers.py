"""Reading single provider listings for profile pages and the API."""

from ..i18n import lazy_gettext as _l
from .errors import NotFound
from .listing_reader import ListingRecord, read_listing
from .listing_rules import is_public


def get_public_provider(provider_id: int) -> ListingRecord:
    """A listing anyone may see (searchable and active), with everything a profile shows."""
    if not 0 < provider_id < 2**31:  # ids beyond the integer column would overflow the driver: nobody has them
        raise NotFound(_l("No such provider in the directory."))
    provider = read_listing(provider_id)
    if provider is None or not is_public(provider):
        raise NotFound(_l("No such provider in the directory."))
    return provider
