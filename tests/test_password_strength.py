"""Password strength: common passwords and ones built from the account's email or name are refused wherever a
password is chosen (register, reset, change, create-admin), with the reason next to the field."""
import html
import re

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, User

EMAIL = "juniper.castellano@example.org"


def register(client, password: str, email: str = EMAIL, name: str = "Juniper Castellano"):
    return client.post("/register", data={"role": "provider", "display_name": name, "email": email,
                                          "password": password, "confirm": password})


def account_exists(app, email: str) -> bool:
    with app.app_context():
        return db.session.scalars(select(User).where(User.email == email)).first() is not None


def error_of(page: str, field_id: str) -> str:
    """The text of the error list next to a field."""
    found = re.search(rf'<ul class="field-errors" id="{field_id}-error">(.*?)</ul>', page, re.S)
    assert found, f"no error next to {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.mark.parametrize("password, reason", [
    ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
    ("passwordpassword", "Repeats like"),
    (EMAIL, "built from your email address or name"),
    ("juniper.castellano", "built from your email address or name"),
    ("JuniperCastellano1987", "built from your email address or name"),
    ("password1234", "This is a very common password."),
])
def test_register_refuses_guessable_passwords_and_says_why(app, client, password, reason):
    response = register(client, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    message = error_of(page, "password")
    assert "This password would be easy to guess." in message and reason in message
    assert re.search(r'<input[^>]*aria-describedby="password-hint password-error"[^>]*id="password"', page)
    assert f'value="{EMAIL}"' in page and 'value="Juniper Castellano"' in page  # what was typed stays
    password_input = re.search(r'<input[^>]*id="password"[^>]*>', page).group(0)
    assert 'value=""' in password_input  # the password is not sent back
    assert not account_exists(app, EMAIL)


def test_the_same_words_are_fine_for_someone_they_do_not_describe(app, client):
    assert register(client, "JuniperCastellano1987", email="lee.orrin@example.org", name="Lee Orrin").status_code == 302
    assert account_exists(app, "lee.orrin@example.org")


def test_a_long_password_is_judged_by_its_start_without_failing(app, client):
    assert register(client, "a" * 500).status_code == 200
    strong = "ferret lantern quarry " * 20
    assert register(client, strong).status_code == 302


def test_reset_refuses_a_password_built_from_the_email(app, client, make_user):
    user = make_user(email=EMAIL, display_name="Juniper Castellano")
    client.post("/reset", data={"email": EMAIL})
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.kind == "account.reset")).one()
    path = re.search(r"(/reset/\S+)", body).group(1)
    refused = client.post(path, data={"password": "castellano castellano", "confirm": "castellano castellano"})
    assert refused.status_code == 200
    assert "built from your email address or name" in error_of(refused.get_data(as_text=True), "password")
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash


def test_change_password_refuses_a_common_one(app, client, make_user, login):
    user = make_user(email=EMAIL)
    login(client, user)
    refused = client.post("/account/password", data={"pw-current_password": user.test_password,
                                                      "pw-new_password": "passwordpassword",
                                                      "pw-confirm": "passwordpassword"})
    assert refused.status_code == 200
    assert "easy to guess" in error_of(refused.get_data(as_text=True), "pw-new_password")
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash


def test_create_admin_refuses_a_password_built_from_the_email(app, runner):
    result = runner.invoke(args=["create-admin", "boss.person@example.org", "--password", "boss.person@example.org"])
    assert result.exit_code != 0 and "built from your email address or name" in result.output
    assert not account_exists(app, "boss.person@example.org")
