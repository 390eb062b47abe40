"""Two-step sign-in through the test client: setting it up, signing in with a code or a recovery code, replays,
the half-signed-in state, administrators who must have it, turning it off, the pages' labels, rate limits."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pyotp
import pytest
import time_machine
from conftest import build_test_app
from sqlalchemy import select
from two_factor_codes import fresh_code

from referral.extensions import db
from referral.models import RecoveryCode, User, utcnow
from referral.services.accounts import hash_password
from referral.services import export, listings, referrers
from referral.services.errors import PermissionDenied
from referral.services.search import AvailabilityRules

PASSWORD = "a sturdy passphrase"
STEP = 30


def mid_step(steps_from_now: int) -> datetime:
    """An instant in the middle of a time step `steps_from_now` steps away, for tests that pin the clock."""
    step = int(datetime.now(timezone.utc).timestamp()) // STEP + steps_from_now
    return datetime.fromtimestamp(step * STEP + STEP // 2, timezone.utc)


def stored(app, user_id: int) -> User:
    """The account as committed now (detached)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def recovery_rows(app, user_id: int) -> list[RecoveryCode]:
    with app.app_context():
        return list(db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id)))


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def not_the_code(secret: str) -> str:
    """A 6-digit code that is none of the codes accepted around now."""
    now = datetime.now(timezone.utc)
    accepted = {code_at(secret, now + timedelta(seconds=offset * STEP)) for offset in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in accepted)


def password_step(client, user, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def set_up(app, client, user) -> tuple[str, list[str]]:
    """Turn two-step sign-in on for the signed-in client's account: its secret and its recovery codes."""
    assert client.post("/account/two-factor/start").status_code == 302
    secret = stored(app, user.id).totp_secret
    done = client.post("/account/two-factor/confirm", data={"code": fresh_code(secret)})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9-]+)</code>", done.get_data(as_text=True))
    user.test_totp_secret = secret  # lets the login fixture sign in with a code
    return secret, codes


def signed_in(client) -> bool:
    answer = client.get("/account")
    assert answer.status_code in (200, 302)
    return answer.status_code == 200


@pytest.fixture
def member(make_user):
    """A provider account without two-step sign-in."""
    return make_user(email="dana.quill@example.org", password=PASSWORD, display_name="Dana Quill")


def test_setting_up_shows_the_key_and_a_qr_code_and_confirms_with_a_first_code(app, client, member, login):
    login(client, member)
    other_device = app.test_client()
    login(other_device, member)
    account = client.get("/account").get_data(as_text=True)
    assert "Set up two-step sign-in" in account and 'href="/account/two-factor"' in account

    start = client.get("/account/two-factor")
    assert start.status_code == 200 and 'action="/account/two-factor/start"' in start.get_data(as_text=True)
    assert stored(app, member.id).totp_secret is None  # looking at the page changes nothing
    assert client.post("/account/two-factor/start").status_code == 302
    secret = stored(app, member.id).totp_secret
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    qr = re.search(r'<img class="qr-code" src="([^"]+)" alt="([^"]+)"', page)
    assert qr and qr.group(1).startswith("data:image/svg+xml") and qr.group(2)
    svg = unquote(qr.group(1))
    # Drawn here and loaded from nowhere: the only address in it is the SVG namespace's name.
    assert "<script" not in page and "href" not in svg
    assert re.findall(r"https?://[^'\"]+", svg) == ["http://www.w3.org/2000/svg"]
    client.post("/account/two-factor/start")
    assert stored(app, member.id).totp_secret == secret  # a reload keeps the key the app already has

    wrong = client.post("/account/two-factor/confirm", data={"code": not_the_code(secret)})
    assert wrong.status_code == 200 and "That code is not right" in wrong.get_data(as_text=True)
    assert not stored(app, member.id).has_second_factor

    done = client.post("/account/two-factor/confirm", data={"code": fresh_code(secret)})
    body = done.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9-]+)</code>", body)
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert "only time we show them" in body
    user = stored(app, member.id)
    assert user.has_second_factor and user.totp_last_step is not None
    rows = recovery_rows(app, member.id)
    assert len(rows) == 10 and not {row.code_digest for row in rows} & set(codes)  # stored as digests only

    assert signed_in(client)  # this session carries on
    assert not signed_in(other_device)  # every other one ended
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert not set(codes) & set(re.findall(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", again))
    assert "Recovery codes left" in again


def test_sign_in_asks_for_the_code_after_the_password(app, client, member, login):
    login(client, member)
    secret, _codes = set_up(app, client, member)
    client.post("/logout")

    after_password = password_step(client, member)
    assert after_password.status_code == 302 and after_password.location.endswith("/login/code")
    assert not signed_in(client)  # half signed in is not signed in
    with client.session_transaction() as session:
        assert "_user_id" not in session
    wrong = client.post("/login/code", data={"code": "12345"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.get_data(as_text=True)
    assert not signed_in(client)

    done = client.post("/login/code", data={"code": fresh_code(secret)})
    assert done.status_code == 302 and "/login" not in done.location
    assert signed_in(client)


def test_the_code_page_without_a_password_first_sends_to_login(client):
    assert client.get("/login/code").location.endswith("/login")
    refused = client.post("/login/code", data={"code": "123456"})
    assert refused.status_code == 302 and refused.location.endswith("/login")


def test_a_code_is_accepted_once(app, client, member, login):
    login(client, member)
    secret, _codes = set_up(app, client, member)
    client.post("/logout")

    code = fresh_code(secret)
    password_step(client, member)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")

    password_step(client, member)
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 200 and "used already" in replay.get_data(as_text=True)
    assert not signed_in(client)


def test_codes_one_step_either_side_of_the_clock_are_accepted_but_not_two(app, member, login):
    client = app.test_client()
    earlier, pinned = mid_step(1), mid_step(10)  # the session cookie is signed with the time: no going back
    with time_machine.travel(earlier, tick=False):
        login(client, member)
        client.post("/account/two-factor/start")
        secret = stored(app, member.id).totp_secret
        assert client.post("/account/two-factor/confirm", data={"code": code_at(secret, earlier)}).status_code == 200
        client.post("/logout")
    with time_machine.travel(pinned, tick=False):
        for offset, accepted in ((-2, False), (-1, True), (2, False), (1, True)):
            password_step(client, member)
            code = code_at(secret, pinned + timedelta(seconds=offset * STEP))
            answer = client.post("/login/code", data={"code": code})
            assert (answer.status_code == 302) is accepted, (offset, answer.status_code)
            client.post("/logout")


def test_a_recovery_code_works_once(app, client, member, login):
    login(client, member)
    _secret, codes = set_up(app, client, member)
    client.post("/logout")

    password_step(client, member)
    typed = codes[3].upper().replace("-", " ")  # as someone might copy it from paper
    used = client.post("/login/code", data={"code": typed})
    assert used.status_code == 302
    assert "You have 9 left" in client.get(used.location, follow_redirects=True).get_data(as_text=True)
    assert sum(row.used_at is not None for row in recovery_rows(app, member.id)) == 1
    client.post("/logout")

    password_step(client, member)
    again = client.post("/login/code", data={"code": codes[3]})
    assert again.status_code == 200 and "That code is not right" in again.get_data(as_text=True)
    assert not signed_in(client)


def test_the_half_signed_in_state_expires(app, client, member, login):
    login(client, member)
    secret, _codes = set_up(app, client, member)
    client.post("/logout")

    password_step(client, member)
    later = datetime.now(timezone.utc) + timedelta(seconds=app.config["TWO_FACTOR_SIGN_IN_SECONDS"] + 5)
    with time_machine.travel(later, tick=False):
        late = client.post("/login/code", data={"code": code_at(secret, later)})
        assert late.status_code == 302 and late.location.endswith("/login")
        assert not signed_in(client)
        assert "did not come within a few minutes" in client.get("/login").get_data(as_text=True)


def test_a_password_change_voids_a_waiting_code_step(app, client, member, login):
    login(client, member)
    secret, _codes = set_up(app, client, member)
    client.post("/logout")

    waiting = app.test_client()
    password_step(waiting, member)
    login(client, member)
    changed = client.post("/account/password", data={"pw-current_password": PASSWORD,
                                                     "pw-new_password": "a fresher passphrase",
                                                     "pw-confirm": "a fresher passphrase"})
    assert changed.status_code == 302
    answer = waiting.post("/login/code", data={"code": code_at(secret, datetime.now(timezone.utc))})
    assert answer.status_code == 302 and answer.location.endswith("/login")
    assert not signed_in(waiting)


def test_an_admin_without_the_factor_is_sent_to_set_it_up_before_any_admin_page(app, client, runner):
    made = runner.invoke(args=["create-admin", "chief@example.org", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "chief@example.org")).one()
        db.session.expunge(admin)

    first = password_step(client, admin)
    assert first.status_code == 302 and first.location.endswith("/account/two-factor")
    for path in ("/admin", "/admin/reviews", "/admin/referrers", "/admin/export.csv"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.location.endswith("/account/two-factor"), path
    page = client.get("/account/two-factor", follow_redirects=True).get_data(as_text=True)
    assert "Administrators must use two-step sign-in" in page
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)

    set_up(app, client, admin)
    assert client.get("/admin/reviews").status_code == 200
    assert client.get("/admin/referrers").status_code == 200
    assert 'href="/admin"' in client.get("/").get_data(as_text=True)


def test_services_refuse_an_admin_who_has_not_passed_the_second_factor(app_ctx, make_user):
    admin = make_user(role="admin", two_factor=False)
    with pytest.raises(PermissionDenied):
        listings.pending_reviews(admin)
    with pytest.raises(PermissionDenied):
        referrers.profiles_for_review(admin)
    with pytest.raises(PermissionDenied):
        list(export.directory_csv(admin, rules=AvailabilityRules(), profile_url=str))

    with_factor = make_user(role="admin")
    assert listings.pending_reviews(with_factor) == []
    assert referrers.profiles_for_review(with_factor) == []


def test_turning_off_needs_the_password_and_a_code(app, client, member, login):
    login(client, member)
    secret, _codes = set_up(app, client, member)

    now_code = code_at(secret, datetime.now(timezone.utc))
    wrong_password = client.post("/account/two-factor/off", data={"password": "not my password", "code": now_code})
    assert wrong_password.status_code == 200
    assert "That is not your current password." in wrong_password.get_data(as_text=True)
    wrong_code = client.post("/account/two-factor/off", data={"password": PASSWORD, "code": not_the_code(secret)})
    assert wrong_code.status_code == 200 and "not right" in wrong_code.get_data(as_text=True)
    assert stored(app, member.id).has_second_factor

    off = client.post("/account/two-factor/off", data={"password": PASSWORD, "code": fresh_code(secret)})
    assert off.status_code == 302 and off.location.endswith("/account")
    user = stored(app, member.id)
    assert not user.has_second_factor and user.totp_secret is None and recovery_rows(app, member.id) == []
    client.post("/logout")
    assert password_step(client, member).location.endswith("/dashboard")  # the password alone signs in again


def test_an_admin_cannot_turn_the_factor_off(app, client, make_user, login):
    admin = make_user(role="admin", password=PASSWORD)
    login(client, admin)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Administrators keep two-step sign-in on." in page and "/account/two-factor/off" not in page
    refused = client.post("/account/two-factor/off",
                          data={"password": PASSWORD, "code": fresh_code(admin.test_totp_secret)})
    assert refused.status_code == 302
    assert stored(app, admin.id).has_second_factor


def test_code_pages_label_their_fields_and_link_errors(app, client, member, login):
    login(client, member)
    client.post("/account/two-factor/start")
    setup_page = client.post("/account/two-factor/confirm", data={"code": ""}).get_data(as_text=True)
    assert '<label for="code">Code from your app</label>' in setup_page
    assert re.search(r'<input[^>]*aria-describedby="code-hint code-error"[^>]*aria-invalid="true"|'
                     r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="code-hint code-error"', setup_page)
    assert '<ul class="field-errors" id="code-error">' in setup_page and 'href="#code"' in setup_page
    secret, _codes = set_up(app, client, member)

    off_page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<label for="password">Current password</label>' in off_page and '<label for="code">' in off_page
    client.post("/logout")
    password_step(client, member)
    code_page = client.get("/login/code").get_data(as_text=True)
    assert '<label for="code">Code</label>' in code_page and 'aria-describedby="code-hint"' in code_page
    assert 'autocomplete="one-time-code"' in code_page


def test_the_code_form_is_rate_limited():
    application = build_test_app("sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_TWO_FACTOR="3 per minute")
    secret = pyotp.random_base32()
    with application.app_context():
        db.session.add(User(email="limited@example.org", password_hash=hash_password(PASSWORD), role="provider",
                            email_confirmed_at=utcnow(), session_version=1, totp_secret=secret,
                            totp_confirmed_at=utcnow()))
        db.session.commit()
    def client_from(address: str):
        client = application.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        client.post("/login", data={"email": "limited@example.org", "password": PASSWORD})
        return client

    first = client_from("10.0.0.1")
    for _ in range(3):
        assert first.post("/login/code", data={"code": not_the_code(secret)}).status_code == 200
    assert first.post("/login/code", data={"code": not_the_code(secret)}).status_code == 429
    # From another address the account's own limit still holds: guesses cannot be spread over addresses.
    second = client_from("10.0.0.2")
    assert second.post("/login/code", data={"code": fresh_code(secret)}).status_code == 429
    assert second.get("/account").status_code == 302
