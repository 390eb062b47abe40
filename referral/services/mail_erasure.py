"""Erasing the outbox's copies of sent mail when the address they went to is erased."""
from collections.abc import Iterable

from sqlalchemy import delete

from ..extensions import db
from ..models import OutboxMessage


def erase_sent_mail(kinds: Iterable[str], addresses: Iterable[str]) -> int:
    """Delete the sent messages of these kinds to these addresses (unsent ones are left to be sent); returns how many."""
    kinds, addresses = list(kinds), [address for address in addresses if address]
    if not kinds or not addresses:
        return 0
    result = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.kind.in_(kinds), OutboxMessage.to_address.in_(addresses), OutboxMessage.sent_at.is_not(None)))
    return result.rowcount or 0
