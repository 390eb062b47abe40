"""The mail outbox: queueing messages inside the caller's transaction."""
from ..extensions import db
from ..models import OutboxMessage


def queue_email(to_address: str, subject: str, body_text: str, kind: str = "") -> OutboxMessage:
    """Add a message to the outbox; it is sent once the caller's transaction commits and the outbox runs."""
    message = OutboxMessage(to_address=to_address, subject=subject, body_text=body_text, kind=kind)
    db.session.add(message)
    db.session.flush()
    return message
