"""The mail outbox: each message delivered once, failures retried with back-off, nothing private in the logs."""
import io
import re
import logging
import smtplib
from datetime import timedelta

from conftest import build_test_app
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, utcnow
from referral.services.mail import (
    ConsoleTransport,
    SMTPTransport,
    deliver_outbox,
    queue_email,
    retry_delay,
    transport_from_config,
)

SECRET_TEXT = "I have been feeling low since March"


class FakeTransport:
    """Records what it is asked to send; fails the first `failures` sends."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.sent: list[tuple[int, str, str]] = []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.sent.append((message.id, message.to_address, message.body_text))


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_message_is_delivered_exactly_once(app_ctx):
    queue_email("a@example.org", "One", "first", kind="test.one")
    queue_email("b@example.org", "Two", "second", kind="test.two")
    db.session.commit()
    transport = FakeTransport()
    now = utcnow()

    report = deliver_outbox(transport, now=now)
    assert (report.sent, report.failed) == (2, 0)
    assert [to for _, to, _ in transport.sent] == ["a@example.org", "b@example.org"]
    assert all(row.sent_at == now and row.attempts == 1 and row.last_error == "" for row in rows())

    again = deliver_outbox(transport, now=now + timedelta(hours=1))
    assert again.sent == 0 and len(transport.sent) == 2
    assert [row.sent_at for row in rows()] == [now, now]


def test_queued_mail_is_not_sent_when_the_change_rolls_back(app_ctx):
    queue_email("a@example.org", "Never", "rolled back")
    db.session.rollback()
    transport = FakeTransport()
    assert deliver_outbox(transport).sent == 0 and transport.sent == []


def test_a_failing_transport_retries_with_back_off_and_then_gives_up(app_ctx, caplog):
    queue_email("patient@example.org", "New inquiry", SECRET_TEXT, kind="inquiry.new")
    db.session.commit()
    transport = FakeTransport(failures=2)
    start = utcnow()

    with caplog.at_level(logging.INFO, logger="referral.services.mail"):
        first = deliver_outbox(transport, now=start, max_attempts=5)
    assert (first.sent, first.failed) == (0, 1)
    [row] = rows()
    assert row.sent_at is None and row.attempts == 1
    assert row.next_attempt_at == start + retry_delay(1) and retry_delay(1) == timedelta(minutes=1)
    assert row.last_error.startswith("SMTPServerDisconnected") and SECRET_TEXT not in row.last_error

    # Not due yet: nothing happens.
    assert deliver_outbox(transport, now=start + timedelta(seconds=30)).failed == 0
    assert rows()[0].attempts == 1

    second = deliver_outbox(transport, now=start + timedelta(minutes=1))
    assert second.failed == 1
    [row] = rows()
    assert row.attempts == 2 and row.next_attempt_at == start + timedelta(minutes=1) + timedelta(minutes=2)

    third = deliver_outbox(transport, now=start + timedelta(minutes=10))
    assert third.sent == 1
    [row] = rows()
    assert row.sent_at == start + timedelta(minutes=10) and row.attempts == 3 and row.last_error == ""
    assert len(transport.sent) == 1

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "inquiry.new" in logged
    assert SECRET_TEXT not in logged and "patient@example.org" not in logged and "New inquiry" not in logged


def test_delivery_stops_after_max_attempts(app_ctx):
    queue_email("a@example.org", "Doomed", "text")
    db.session.commit()
    transport = FakeTransport(failures=99)
    now = utcnow()
    for hour in range(3):
        deliver_outbox(transport, now=now + timedelta(hours=hour * 7), max_attempts=2)
    [row] = rows()
    assert row.attempts == 2 and row.sent_at is None and row.next_attempt_at is None


def test_console_transport_prints_the_message(app_ctx):
    message = queue_email("a@example.org", "Hello", "Line one\n\nLine two", kind="test")
    db.session.commit()
    stream = io.StringIO()
    deliver_outbox(ConsoleTransport(sender="directory@example.org", stream=stream))
    printed = stream.getvalue()
    assert "To: a@example.org" in printed and "Subject: Hello" in printed and "Line two" in printed
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_send_outbox_command(app, runner, monkeypatch):
    with app.app_context():
        queue_email("a@example.org", "Hello", "text", kind="test")
        db.session.commit()

    app.config.update(MAIL_TO_CONSOLE=False, SMTP_HOST="")
    refused = runner.invoke(args=["send-outbox"])
    assert refused.exit_code != 0 and "SMTP_HOST" in refused.output

    sent_over_smtp = []
    monkeypatch.setattr(SMTPTransport, "send", lambda self, message: sent_over_smtp.append((self.host, message.id)))
    app.config.update(SMTP_HOST="mail.example.org")
    assert isinstance(transport_from_config(app.config), SMTPTransport)
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0 and "1 sent" in result.output
    with app.app_context():
        assert sent_over_smtp == [("mail.example.org", rows()[0].id)]
    assert "0 sent" in runner.invoke(args=["send-outbox"]).output


def test_smtp_transport_speaks_smtp(app_ctx, monkeypatch):
    calls = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            calls.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            calls.append(("quit",))

        def starttls(self):
            calls.append(("starttls",))

        def login(self, user, password):
            calls.append(("login", user))

        def send_message(self, email):
            calls.append(("send", email["To"], email["From"], email["Subject"], email.get_content().strip()))

    monkeypatch.setattr("referral.services.mail.smtplib.SMTP", FakeSMTP)
    message = queue_email("a@example.org", "Subject line", "Body", kind="test")
    transport = SMTPTransport(host="mail.example.org", port=587, sender="directory@example.org",
                              username="user", password="pw", starttls=True)
    transport.send(message)
    assert calls == [("connect", "mail.example.org", 587), ("starttls",), ("login", "user"),
                     ("send", "a@example.org", "directory@example.org", "Subject line", "Body"), ("quit",)]


def test_development_prints_queued_mail_after_each_request(capsys):
    application = build_test_app("sqlite://", TESTING=False, MAIL_TO_CONSOLE=True,
                                 PUBLIC_BASE_URL="https://directory.example.org")
    client = application.test_client()
    response = client.post("/register", data={"role": "provider", "email": "dev@example.org",
                                              "password": "a long dev password", "confirm": "a long dev password"})
    assert response.status_code == 302
    printed = capsys.readouterr().out
    assert "To: dev@example.org" in printed
    assert re.search(r"https://directory\.example\.org/confirm/\S{40,}\n", printed)  # the whole link on one line
    with application.app_context():
        assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None
