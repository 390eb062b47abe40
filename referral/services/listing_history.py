"""A listing's history as the person reading it may see it: each change with its author named for that reader.

Administrators see every author's email address. Anyone else sees their own address, "An administrator"
for an administrator's change and "Another account" for anyone else's (a former owner, say): no other
person's address reaches their page.
"""
from dataclasses import dataclass
from datetime import datetime

from ..models import ROLE_ADMIN, User
from .audit import listing_history


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a listing: when, by whom (as the reader may know them), what, and each field's values."""

    created_at: datetime
    author: str
    action: str
    changes: dict


def author_label(author: User | None, reader: User) -> str:
    """How the reader sees who made a change."""
    if author is None:
        return "The directory"
    if author.id == reader.id:
        return f"You ({author.email})"
    is_administrator = author.role == ROLE_ADMIN  # the role, whatever the state of the account's second factor
    if reader.is_admin:
        return f"{author.email} (administrator)" if is_administrator else author.email
    return "An administrator" if is_administrator else "Another account"


def history_for(reader: User | None, provider_id: int) -> tuple:
    """The listing and its changes, newest first, each author named for the reader; the owner and admins only."""
    provider, entries = listing_history(reader, provider_id)
    return provider, [HistoryEntry(entry.created_at, author_label(entry.user, reader), entry.action, entry.changes)
                      for entry in entries]
