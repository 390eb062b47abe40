"""Who may do what: change a listing (its owner or an admin), act as an administrator. Services ask here.

An administrator acts as one only with a confirmed second factor (User.is_admin): an admin account
signed in with its password alone is refused everything an admin may do, until the factor is set up.
"""

from ..i18n import lazy_gettext as _l
from ..extensions import db
from ..models import Provider, User
from .errors import NotFound, PermissionDenied


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_admin(user: User | None) -> bool:
    """Whether the user is a signed-in administrator who has passed the second factor."""
    return _signed_in(user) and user.is_admin


def require_admin(user: User | None, message: str = _l("Only administrators can do this.")) -> User:
    """The user, if an administrator with the second factor; PermissionDenied otherwise."""
    if not is_admin(user):
        if _signed_in(user) and user.must_set_up_second_factor:
            message = _l("Administrators need two-step sign-in. Set it up on your account page first.")
        raise PermissionDenied(message)
    return user


def can_edit_listing(user: User | None, provider: Provider) -> bool:
    """Whether the user may change this listing."""
    if not _signed_in(user):
        return False
    return is_admin(user) or (provider.owner_id is not None and provider.owner_id == user.id)


def require_listing_editor(user: User | None, provider_id: int) -> Provider:
    """The listing, if the user may change it; NotFound or PermissionDenied otherwise."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_l("No such listing."))
    if not can_edit_listing(user, provider):
        raise PermissionDenied(_l("Only the listing's owner or an administrator can do this."))
    return provider
