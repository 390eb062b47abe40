"""A listing's history as the person reading it may see it: each change with its author named for that reader.

Administrators see every author's email address. Anyone else sees their own address, "An administrator"
for an administrator's change and "Another account" for anyone else's (a former owner, say): no other
person's address reaches their page.
"""
from dataclasses import dataclass
from datetime import datetime


from ..i18n import gettext as _, lazy_gettext as _l
from ..models import ROLE_ADMIN, User
from .audit import listing_history

# What each recorded action is called on the history page. The English names are the stored action codes.
ACTION_LABELS = {
    "create": _l("create"), "edit": _l("edit"), "approve": _l("approve"), "reject": _l("reject"),
    "resubmit": _l("resubmit"), "confirm": _l("confirm"), "reports_resolved": _l("reports_resolved"),
}


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a listing: when, by whom (as the reader may know them), what, and each field's values."""

    created_at: datetime
    author: str
    action: str
    changes: dict

    @property
    def action_label(self) -> str:
        """The action as the reader's language names it."""
        label = ACTION_LABELS.get(self.action)
        return str(label) if label is not None else self.action


def author_label(author: User | None, reader: User) -> str:
    """How the reader sees who made a change."""
    if author is None:
        return _("The directory")
    if author.id == reader.id:
        return _("You (%(email)s)", email=author.email)
    is_administrator = author.role == ROLE_ADMIN  # the role, whatever the state of the account's second factor
    if reader.is_admin:
        return _("%(email)s (administrator)", email=author.email) if is_administrator else author.email
    return _("An administrator") if is_administrator else _("Another account")


def history_for(reader: User | None, provider_id: int) -> tuple:
    """The listing and its changes, newest first, each author named for the reader; the owner and admins only."""
    provider, entries = listing_history(reader, provider_id)
    return provider, [HistoryEntry(entry.created_at, author_label(entry.user, reader), entry.action, entry.changes)
                      for entry in entries]
