"""The served layer: the real app under gunicorn, on a database made by the real commands, over real HTTP.

One server at a time, for each engine (SQLite file, PostgreSQL schema) and configuration (development,
production); each loaded with the reference lists and the 724 demo providers. Every test fails when
the server logs a traceback while it runs.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

import pytest

from conftest import POSTGRES_SERVER_URL, REDIS_URL, skip_without_postgres, skip_without_redis

from .server import (
    create_schema,
    drop_schema,
    postgres_url,
    prepare_database,
    server_environment,
    sqlite_url,
    start_server,
)
from .visitor import Visitor

COMBINATIONS = [("sqlite", "development"), ("sqlite", "production"),
                ("postgresql", "development"), ("postgresql", "production")]
PASSWORD = "served layer passphrase"
ADMIN_EMAIL = "served-admin@example.org"


def _fail_on_logged_failures(server, when: str) -> None:
    logged = server.new_failures()
    if logged:
        pytest.fail(f"the server logged a failure {when}:\n{logged[-6000:]}", pytrace=False)


@pytest.fixture(scope="session", params=COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def served(request, tmp_path_factory):
    """The app served by gunicorn (2 sync workers) on a freshly migrated and seeded database."""
    engine, config_name = request.param
    if config_name == "production":
        skip_without_redis()  # production refuses to start two workers with limits kept in each one's memory
    directory = tmp_path_factory.mktemp(f"served-{engine}-{config_name}")
    schema = None
    if engine == "postgresql":
        skip_without_postgres()
        schema = f"served_{os.getpid()}"
        create_schema(POSTGRES_SERVER_URL, schema)
        database_url = postgres_url(POSTGRES_SERVER_URL, schema)
    else:
        database_url = sqlite_url(directory / "served.sqlite")
    try:
        env = server_environment(database_url, config_name, REDIS_URL)
        env["PASSWORD_CHECK_LOCK_DIR"] = str(directory / "password-checks")  # this server's own slots
        prepare_database(env, demo=True, log=directory / "commands.log")
        server = start_server(env, directory, workers=2)
        try:
            yield server
        finally:
            server.stop()
        _fail_on_logged_failures(server, "after the last test")
    finally:
        if schema is not None:
            drop_schema(POSTGRES_SERVER_URL, schema)


@pytest.fixture(autouse=True)
def _no_failure_logged(served):
    """Fail the test when the server logged a traceback (or a worker timeout) while it ran."""
    yield
    _fail_on_logged_failures(served, "during this test")


@dataclass
class World:
    """Who and what the signed-in tests use on one server."""

    admin_email: str
    admin_totp_secret: str
    referrer_email: str
    recipient_email: str
    spare_email: str
    password: str
    listing_id: int
    referral_public_id: str
    copy_public_id: str
    patient_reference: str
    recipient_name: str


def _user(email: str, role: str):
    from referral.extensions import db
    from referral.models import User, utcnow
    from referral.services.accounts import hash_password

    user = User(email=email, password_hash=hash_password(PASSWORD), role=role, display_name=email.split("@")[0],
                email_confirmed_at=utcnow(), session_version=1)
    db.session.add(user)
    db.session.flush()
    return user


def _photo() -> tuple[bytes, str]:
    from PIL import Image

    from referral.services.photos import reencode_photo

    buffer = io.BytesIO()
    Image.new("RGB", (96, 120), (70, 110, 150)).save(buffer, "PNG")
    return reencode_photo(buffer.getvalue())


def _verified_listing(owner, first: str, last: str):
    from referral.extensions import db
    from referral.models import License, Office, Provider, ProviderPhoto, ProviderType, utcnow
    from referral.services.reference import get_by_slug

    provider = Provider(
        first_name=first, last_name=last, credentials="LCSW", provider_type=get_by_slug(ProviderType, "psychologist"),
        statement="I see adults and couples.", accepting_new_patients=True, availability_confirmed_at=utcnow(),
        owner_id=owner.id, listing_status="verified", verified_at=utcnow(), source="owner", in_person=True,
        phone="(212) 555-0142",
    )
    provider.offices = [Office(address1="2880 Broadway", city="New York", state="NY", zip="10025",
                               lat=40.8012, lng=-73.9665)]
    provider.licenses = [License(state="NY", number="S0001")]
    data, content_type = _photo()
    provider.photo = ProviderPhoto(content_type=content_type, data=data)
    db.session.add(provider)
    db.session.flush()
    return provider


@pytest.fixture(scope="session")
def world(served) -> World:
    """An admin (made with `flask create-admin`, with two-step sign-in set up), an approved referrer, a provider
    with a verified listing (with a photo) who received one referral from that referrer, and a spare provider
    account; committed to the server's database.
    """
    from referral_world import FORM, PATIENT_REFERENCE
    from sqlalchemy import select
    from two_factor_codes import fresh_code

    from referral.extensions import db
    from referral.models import REFERRER_APPROVED, ReferrerProfile, User, utcnow
    from referral.services import referrals as referral_service
    from referral.services import two_factor

    served.flask("create-admin", ADMIN_EMAIL, "--password", PASSWORD)
    with served.app.app_context():
        admin = db.session.scalars(select(User).where(User.email == ADMIN_EMAIL)).one()
        admin_totp_secret = two_factor.start_setup(admin)
        two_factor.confirm_setup(admin, fresh_code(admin_totp_secret))
        referrer = _user("served-referrer@example.org", "referrer")
        db.session.add(ReferrerProfile(user_id=referrer.id, npi="1234567893", clinician_name="Dr Ada Moreno",
                                       credentials="MD", status=REFERRER_APPROVED, decided_at=utcnow()))
        recipient = _user("served-recipient@example.org", "provider")
        listing = _verified_listing(recipient, "Iris", "Calloway")
        spare = _user("served-spare@example.org", "provider")
        db.session.commit()
        referral = referral_service.send_referral(referrer, FORM, [listing.id])
        db.session.commit()
        world = World(
            admin_email=ADMIN_EMAIL, admin_totp_secret=admin_totp_secret, referrer_email=referrer.email,
            recipient_email=recipient.email,
            spare_email=spare.email, password=PASSWORD, listing_id=listing.id,
            referral_public_id=referral.public_id, copy_public_id=referral.copies[0].public_id,
            patient_reference=PATIENT_REFERENCE, recipient_name=listing.name,
        )
    return world


@pytest.fixture(scope="session")
def signed_in(served, world):
    """signed_in(role) -> a Visitor signed in as the world's admin, referrer or recipient (one login each per server)."""
    visitors: dict[str, Visitor] = {}
    emails = {"admin": world.admin_email, "referrer": world.referrer_email, "recipient": world.recipient_email}

    def visitor_for(role: str) -> Visitor:
        if role not in visitors:
            visitor = Visitor(served.url)
            code_secret = world.admin_totp_secret if role == "admin" else None
            visitor.log_in(emails[role], world.password, code_secret)
            visitors[role] = visitor
        return visitors[role]

    return visitor_for


@pytest.fixture
def visitor(served) -> Visitor:
    """An anonymous visitor with an empty cookie jar."""
    return Visitor(served.url)


def pytest_collection_modifyitems(items):
    """The served layer runs on one worker (pytest -n): its four servers start once."""
    for item in items:
        if "/served/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("served"))
