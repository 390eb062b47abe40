"""argon2 cost parameters come from the settings, and a sign-in redoes a hash made with other ones."""
from referral.extensions import db
from referral.models import User
from referral.services.accounts import hash_password

PASSWORD = "a sturdy passphrase"


def argon2_parameters(password_hash: str) -> str:
    """The "m=...,t=...,p=..." part of an encoded argon2 hash."""
    return password_hash.split("$")[3]


def use_parameters(app, time_cost: int, memory_kib: int, parallelism: int = 1) -> None:
    app.config.update(PASSWORD_HASH_FAST=False, ARGON2_TIME_COST=time_cost, ARGON2_MEMORY_KIB=memory_kib,
                      ARGON2_PARALLELISM=parallelism)


def stored_hash(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_hashes_use_the_configured_parameters(app):
    use_parameters(app, 2, 64, 2)
    with app.app_context():
        assert argon2_parameters(hash_password(PASSWORD)) == "m=64,t=2,p=2"


def test_sign_in_redoes_a_hash_made_with_other_parameters(app, client, make_user):
    use_parameters(app, 1, 32)
    user = make_user(password=PASSWORD)
    assert argon2_parameters(stored_hash(app, user.id)) == "m=32,t=1,p=1"

    use_parameters(app, 2, 64)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    rehashed = stored_hash(app, user.id)
    assert argon2_parameters(rehashed) == "m=64,t=2,p=1"
    client.post("/logout")

    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert stored_hash(app, user.id) == rehashed  # current parameters: left as it is


def test_a_wrong_password_leaves_the_old_hash(app, client, make_user):
    use_parameters(app, 1, 32)
    user = make_user(password=PASSWORD)
    old = stored_hash(app, user.id)
    use_parameters(app, 2, 64)
    assert client.post("/login", data={"email": user.email, "password": "not the passphrase"}).status_code == 200
    assert stored_hash(app, user.id) == old
