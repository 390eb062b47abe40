"""Who may change a listing: its owner or an admin. Every listing-changing service asks here."""
from ..extensions import db
from ..models import Provider, User
from .errors import NotFound, PermissionDenied


def can_edit_listing(user: User | None, provider: Provider) -> bool:
    """Whether the user may change this listing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or (provider.owner_id is not None and provider.owner_id == user.id)


def require_listing_editor(user: User | None, provider_id: int) -> Provider:
    """The listing, if the user may change it; NotFound or PermissionDenied otherwise."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("No such listing.")
    if not can_edit_listing(user, provider):
        raise PermissionDenied("Only the listing's owner or an administrator can do this.")
    return provider
