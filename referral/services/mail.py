"""The mail outbox: queueing messages inside the caller's transaction, and delivering them later.

Delivery commits after each message on purpose (unlike other services, which leave the commit to
their caller): sending is an outside effect that cannot be rolled back, so each claim and each
result must be on disk before the next message goes. A message is claimed before it is sent, so
two runners never send the same message; only a crash between sending and recording it can
cause a repeat, once the claim's lease has run out.

A message whose handling raises outside the transport is rolled back and reported by id, and the run
goes on with the next one.

Log lines name a message by id and kind only: never its address, subject or text.
"""
import logging
import smtplib
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol, TextIO

from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import OutboxMessage, utcnow
from .batch import RowFailure, for_each_row
from .bounded_text import fit_to_column

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
CLAIM_LEASE = timedelta(minutes=15)


def queue_email(to_address: str, subject: str, body_text: str, kind: str = "") -> OutboxMessage:
    """Add a message to the outbox; it is sent once the caller's transaction commits and the outbox runs.

    The subject is put on one line and shortened to fit its column: it is made from names of any length.
    """
    subject = fit_to_column(OutboxMessage.subject, " ".join(subject.split()))
    message = OutboxMessage(to_address=to_address, subject=subject, body_text=body_text, kind=kind)
    db.session.add(message)
    db.session.flush()
    return message


class Transport(Protocol):
    """Something that sends one email or raises."""

    def send(self, message: OutboxMessage) -> None:
        """Send the message; raise on failure."""


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The outbox row as an RFC 5322 message."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}-{int(message.created_at.timestamp())}@{sender.rpartition('@')[2] or 'localhost'}>"
    email.set_content(message.body_text)
    return email


@dataclass
class SMTPTransport:
    """Sends over SMTP (optionally STARTTLS or implicit TLS, optionally with a login)."""

    host: str
    port: int = 25
    sender: str = "directory@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config) -> "SMTPTransport":
        """The transport described by the SMTP_* settings."""
        return cls(
            host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), sender=config["MAIL_FROM"],
            username=config.get("SMTP_USERNAME", ""), password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS")), ssl=bool(config.get("SMTP_SSL")),
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS", 30)),
        )

    def send(self, message: OutboxMessage) -> None:
        """Open a connection, send one message, close."""
        smtp_class = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls and not self.ssl:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(build_email(message, self.sender))


@dataclass
class ConsoleTransport:
    """Development: prints each message to the console instead of sending it."""

    sender: str = "directory@localhost"
    stream: TextIO | None = None

    def send(self, message: OutboxMessage) -> None:
        """Print the message with its headers."""
        out = self.stream or sys.stdout
        print("-" * 72, file=out)
        print(f"From: {self.sender}\nTo: {message.to_address}\nSubject: {message.subject}\n", file=out)
        print(message.body_text, file=out)  # as written, so that links can be copied whole
        out.flush()


def transport_from_config(config) -> Transport | None:
    """The console in development (MAIL_TO_CONSOLE), SMTP when SMTP_HOST is set, else None."""
    if config.get("MAIL_TO_CONSOLE"):
        return ConsoleTransport(sender=config["MAIL_FROM"])
    if config.get("SMTP_HOST"):
        return SMTPTransport.from_config(config)
    return None


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts: doubling from a minute, at most 6 hours."""
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


@dataclass
class DeliveryReport:
    """What one outbox run did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    # Messages whose handling raised outside the transport (not a delivery failure): named by the command.
    errors: list[RowFailure] = field(default_factory=list)


def _due(now: datetime, max_attempts: int):
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < max_attempts,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def _claim(message_id: int, now: datetime, max_attempts: int) -> bool:
    """Take a message for this run (attempts + 1, a lease on it); False when another runner has it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_due(now, max_attempts))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _describe(error: Exception) -> str:
    """An error as stored in last_error: its class and first line, cut short (never the message text)."""
    first_line = (str(error).splitlines() or [""])[0]
    return fit_to_column(OutboxMessage.last_error, f"{error.__class__.__name__}: {first_line}")


def deliver_outbox(transport: Transport, now: datetime | None = None, max_attempts: int = 5, batch: int = 500) -> DeliveryReport:
    """Send every due, unsent message once; failures wait (exponential back-off) and retry up to max_attempts."""
    now = now or utcnow()
    report = DeliveryReport()
    ids = db.session.scalars(select(OutboxMessage.id).where(*_due(now, max_attempts)).order_by(OutboxMessage.id).limit(batch)).all()
    db.session.commit()  # end the read so that each claim below is its own short write
    rows = for_each_row("outbox message", ids,
                        lambda message_id: deliver_message(message_id, transport, now, max_attempts, report), commits=True)
    report.errors = rows.failures
    return report


def deliver_message(message_id: int, transport: Transport, now: datetime, max_attempts: int,
                    report: DeliveryReport) -> bool:
    """Claim one message and send it, recording the result in the outbox and in the report; False if not claimed."""
    if not _claim(message_id, now, max_attempts):
        return False
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    try:
        transport.send(message)
    except Exception as error:  # any transport failure: record it and retry later
        db.session.rollback()
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.last_error = _describe(error)
        if message.attempts >= max_attempts:
            message.next_attempt_at = None
            report.gave_up += 1
            log.error("outbox: message %s (%s) failed %s times; giving up", message.id, message.kind, message.attempts)
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
            report.failed += 1
            log.warning("outbox: message %s (%s) failed, attempt %s: %s", message.id, message.kind,
                        message.attempts, error.__class__.__name__)
        db.session.commit()
        return True
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    db.session.commit()
    report.sent += 1
    log.info("outbox: message %s (%s) sent", message.id, message.kind)
    return True
