"""Accounts end to end with the test client: register, confirm, log in and out, reset, change password and email."""
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, User, utcnow

PASSWORD = "a sturdy passphrase"


def outbox(app, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """Outbox rows as committed now, oldest first, optionally of one kind and to one address (detached)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    with app.app_context():
        return list(db.session.scalars(query))


def link_path(message: OutboxMessage, app) -> str:
    """The path of the link in an email (links are built from PUBLIC_BASE_URL)."""
    base = re.escape(app.config["PUBLIC_BASE_URL"].rstrip("/"))
    match = re.search(base + r"(/\S+)", message.body_text)
    assert match, "no link in the email"
    return match.group(1)


def register(client, email="new.person@example.org", password=PASSWORD, role="provider", **extra):
    return client.post("/register", data={"role": role, "display_name": "Dana Example", "email": email,
                                          "password": password, "confirm": extra.pop("confirm", password), **extra})


def user_by_email(app, email: str) -> User | None:
    """The account with this address as committed now (detached), or None."""
    with app.app_context():
        return db.session.scalars(select(User).where(User.email == email)).first()


def test_register_confirm_login_logout(app, client):
    response = register(client, email="Dana@Example.org")
    assert response.status_code == 302 and response.location.endswith("/check-email")
    assert "Check your email" in client.get(response.location).get_data(as_text=True)

    user = user_by_email(app, "dana@example.org")
    assert user is not None and user.role == "provider" and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash

    # Before confirming, logging in is refused and a fresh link is sent.
    refused = client.post("/login", data={"email": "dana@example.org", "password": PASSWORD})
    assert refused.status_code == 200 and "confirm your email address first" in refused.get_data(as_text=True)
    assert len(outbox(app, "account.confirm", "dana@example.org")) == 2

    path = link_path(outbox(app, "account.confirm")[0], app)
    assert "dana" not in path.lower() and "example" not in path.lower()  # no address in the URL
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert user_by_email(app, "dana@example.org").email_confirmed_at is None  # a GET (mail scanner) changes nothing
    confirmed = client.post(path)
    assert confirmed.status_code == 302 and confirmed.location.endswith("/login")
    assert user_by_email(app, "dana@example.org").email_confirmed_at is not None

    logged_in = client.post("/login", data={"email": "DANA@example.org ", "password": PASSWORD})
    assert logged_in.status_code == 302
    account = client.get("/account")
    assert account.status_code == 200
    text = account.get_data(as_text=True)
    assert "dana@example.org" in text and "Log out" in text and "Log in</a>" not in text

    client.post("/logout")
    after = client.get("/account")
    assert after.status_code == 302 and "/login" in after.location


def test_register_as_referrer_and_never_as_admin(app, client):
    register(client, email="ref@example.org", role="referrer")
    assert user_by_email(app, "ref@example.org").role == "referrer"
    response = register(client, email="sneaky@example.org", role="admin")
    assert response.status_code == 200
    assert user_by_email(app, "sneaky@example.org") is None


def test_register_errors_keep_what_was_typed(app, client):
    response = register(client, email="keep.me@example.org", password="short", confirm="short")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Use at least 12 characters." in text
    assert 'value="keep.me@example.org"' in text and 'value="Dana Example"' in text
    assert user_by_email(app, "keep.me@example.org") is None

    mismatch = register(client, email="keep.me@example.org", confirm="something else entirely")
    assert "The two passwords differ." in mismatch.get_data(as_text=True)

    bad_email = register(client, email="not-an-address")
    assert "Enter an email address like name@example.org." in bad_email.get_data(as_text=True)


def test_register_existing_email_looks_the_same_and_tells_the_owner(app, client, make_user):
    owner = make_user(email="taken@example.org")
    fresh = register(client, email="fresh@example.org")
    taken = register(client, email="TAKEN@example.org")
    assert (taken.status_code, taken.location) == (fresh.status_code, fresh.location)
    assert client.get(taken.location).get_data() == client.get(fresh.location).get_data()
    # The owner gets a notice, not a confirmation link; the account is untouched.
    notices = outbox(app, "account.exists", "taken@example.org")
    assert len(notices) == 1 and "/reset" in notices[0].body_text
    assert outbox(app, "account.confirm", "taken@example.org") == []
    with app.app_context():
        assert db.session.get(User, owner.id).password_hash == owner.password_hash


def test_login_answers_the_same_for_unknown_email_and_wrong_password(app, client, make_user):
    make_user(email="known@example.org", password=PASSWORD)
    wrong = client.post("/login", data={"email": "known@example.org", "password": "not the password!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "not the password!"})
    assert wrong.status_code == unknown.status_code == 200
    assert "That email and password do not match an account." in wrong.get_data(as_text=True)
    strip = lambda r: r.get_data(as_text=True).replace("known@example.org", "X").replace("nobody@example.org", "X")  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert client.get("/account").status_code == 302  # still anonymous


def test_login_starts_a_new_session_and_follows_only_local_next(app, client, make_user):
    user = make_user(password=PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.location.endswith("/account")
    with client.session_transaction() as session:
        assert "planted" not in session
    client.post("/logout")
    evil = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert "evil.example" not in evil.location


def test_logout_ends_the_session_for_copies_of_the_cookie(app, client, make_user, login):
    user = make_user()
    login(client, user)
    stolen = client.get_cookie("session").value
    assert client.get("/account").status_code == 200

    assert client.get("/logout").status_code == 405  # logging out is a POST (with CSRF when enabled)
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302 and "/login" in response.location


def test_password_reset_flow_is_single_use(app, client, make_user):
    user = make_user(email="forgetful@example.org", password=PASSWORD)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/account").status_code == 200

    response = client.post("/reset", data={"email": "Forgetful@example.org"})
    assert response.status_code == 302 and response.location.endswith("/reset/sent")
    mails = outbox(app, "account.reset", "forgetful@example.org")
    assert len(mails) == 1
    path = link_path(mails[0], app)
    assert client.get(path).status_code == 200

    too_short = client.post(path, data={"password": "short", "confirm": "short"})
    assert "Use at least 12 characters." in too_short.get_data(as_text=True)

    done = client.post(path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert done.status_code == 302 and done.location.endswith("/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": user.email, "password": "a brand new passphrase"}).status_code == 302
    assert other_device.get("/account").status_code == 302  # sessions elsewhere ended

    reused = client.get(path)
    assert reused.status_code == 400 and "This link is not valid" in reused.get_data(as_text=True)
    again = client.post(path, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert again.status_code == 400


def test_reset_request_answers_the_same_for_unknown_email(app, client, make_user):
    make_user(email="known@example.org")
    known = client.post("/reset", data={"email": "known@example.org"})
    unknown = client.post("/reset", data={"email": "nobody@example.org"})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert outbox(app, "account.reset", "nobody@example.org") == []
    assert len(outbox(app, "account.reset")) == 1


def test_wrong_and_expired_tokens_are_refused(app, client, make_user):
    make_user(email="late@example.org")
    client.post("/reset", data={"email": "late@example.org"})
    path = link_path(outbox(app, "account.reset")[0], app)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400
    assert client.get("/reset/not-a-token").status_code == 400
    assert client.post("/confirm/not-a-token").status_code == 400
    # A reset token is no confirmation token, even though both are signed with the same key.
    assert client.post(path.replace("/reset/", "/confirm/")).status_code == 400

    with time_machine.travel(utcnow() + timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"] + 60)):
        expired = client.get(path)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)

    register(client, email="slow@example.org")
    confirm_path = link_path(outbox(app, "account.confirm", "slow@example.org")[0], app)
    with time_machine.travel(utcnow() + timedelta(seconds=app.config["EMAIL_CONFIRM_MAX_AGE"] + 60)):
        assert client.post(confirm_path).status_code == 400
    assert user_by_email(app, "slow@example.org").email_confirmed_at is None


def test_change_password_keeps_this_session_and_ends_others(app, client, make_user, login):
    user = make_user(password=PASSWORD)
    login(client, user)
    other = app.test_client()
    login(other, user)

    wrong = client.post("/account/password", data={"pw-current_password": "not my password",
                                                    "pw-new_password": "a new long passphrase",
                                                    "pw-confirm": "a new long passphrase"})
    assert wrong.status_code == 200 and "That is not your current password." in wrong.get_data(as_text=True)

    ok = client.post("/account/password", data={"pw-current_password": PASSWORD,
                                                 "pw-new_password": "a new long passphrase",
                                                 "pw-confirm": "a new long passphrase"})
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).password_hash.startswith("$argon2id$")


def test_change_email_needs_the_link_sent_to_the_new_address(app, client, make_user, login):
    user = make_user(email="old@example.org", password=PASSWORD)
    make_user(email="someone.else@example.org")
    login(client, user)

    taken = client.post("/account/email", data={"em-new_email": "someone.else@example.org", "em-password": PASSWORD})
    fresh = client.post("/account/email", data={"em-new_email": "New@Example.org", "em-password": PASSWORD})
    assert taken.status_code == fresh.status_code == 302  # no hint that an address is taken
    assert len(outbox(app, "account.exists", "someone.else@example.org")) == 1

    with app.app_context():
        assert db.session.get(User, user.id).email == "old@example.org"  # not yet
    mails = outbox(app, "account.change-email", "new@example.org")
    assert len(mails) == 1
    path = link_path(mails[0], app)
    assert client.post(path).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).email == "new@example.org"
    assert len(outbox(app, "account.email-changed", "old@example.org")) == 1

    client.post("/logout")
    assert client.post("/login", data={"email": "new@example.org", "password": PASSWORD}).status_code == 302


def test_account_nav_shows_the_right_links(app, client, make_user, login):
    anonymous = client.get("/").get_data(as_text=True)
    assert "Log in" in anonymous and "Register" in anonymous and "/dashboard" not in anonymous

    login(client, make_user(role="admin"))
    admin = client.get("/").get_data(as_text=True)
    assert 'href="/admin"' in admin and 'href="/dashboard"' in admin and "Log out" in admin
    client.post("/logout")

    login(client, make_user(role="provider"))
    provider = client.get("/").get_data(as_text=True)
    assert 'href="/admin"' not in provider and 'href="/dashboard"' in provider
