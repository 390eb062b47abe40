"""Shared fixtures: one app and schema per engine for the whole run; each test inside a transaction rolled back.

Requests made with the test client run as a served request does: the client refuses to run while the
test holds an app context, so each request begins and ends its own database session and `g`. Tests
push an app context only around direct service calls and set-up (the `app_ctx` fixture, or
`with app.app_context():`).
"""
import atexit
import os
import shutil
import tempfile
import weakref
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import has_app_context
from hypothesis import HealthCheck, settings
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from config import TestingConfig
from referral import create_app
from referral.extensions import db, limiter
from referral.models import License, Office, Provider, utcnow
from referral.services.geocoding import Place
from referral.services.reference import get_by_slug, load_reference_data

POSTGRES_SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test run gets its own schema, so that runs on one server do not disturb each other.
POSTGRES_SCHEMA = f"test_run_{os.getpid()}"
POSTGRES_URL = f"{POSTGRES_SERVER_URL}{'&' if '?' in POSTGRES_SERVER_URL else '?'}options=-csearch_path%3D{POSTGRES_SCHEMA}"
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
_postgres_state: dict = {}


def _drop_postgres_schema() -> None:
    engine = create_engine(POSTGRES_SERVER_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{POSTGRES_SCHEMA}" CASCADE'))
    engine.dispose()


def postgres_unavailable() -> str | None:
    """None when the test PostgreSQL answers (this run's schema made afresh), else the reason."""
    if "reason" not in _postgres_state:
        try:
            engine = create_engine(POSTGRES_SERVER_URL, connect_args={"connect_timeout": 3})
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{POSTGRES_SCHEMA}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{POSTGRES_SCHEMA}"'))
            engine.dispose()
            atexit.register(_drop_postgres_schema)
            _postgres_state["reason"] = None
        except Exception as error:  # any connection failure means: skip (or fail when required)
            _postgres_state["reason"] = f"PostgreSQL not reachable at {POSTGRES_SERVER_URL}: {error.__class__.__name__}"
    return _postgres_state["reason"]


def skip_without_postgres() -> None:
    """Skip the test (fail it where REQUIRE_POSTGRES=1) when PostgreSQL does not answer."""
    reason = postgres_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)


def skip_without_redis() -> None:
    """Skip the test (fail it where REQUIRE_REDIS=1) when Redis does not answer."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # unreachable or refused: skip, unless Redis is required
        reason = f"Redis not reachable at {REDIS_URL}: {error.__class__.__name__}"
        if REQUIRE_REDIS:
            pytest.fail(reason)
        pytest.skip(reason)


class LifecycleClient(FlaskClient):
    """The test client, refusing to run a request inside an app context the test still holds.

    A served request starts with no app context; one inherited from the test would share its
    database session and `g`, and hide what a real request does.
    """

    def open(self, *args, **kwargs):
        """Run a request as a server would, or fail loudly when the test holds an app context."""
        if has_app_context():
            raise RuntimeError("a test made a request while holding an app context: push one only around "
                               "direct service calls and set-up")
        return super().open(*args, **kwargs)


# Flask-Limiter keeps its settings on the one extension object, from the last app that set it up:
# each test starts from the state its app was built with.
_limiter_states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# Password-check slot lock files of this test process: no other run on the machine shares its slots.
PASSWORD_CHECK_LOCK_DIR = tempfile.mkdtemp(prefix="password-checks-")
atexit.register(shutil.rmtree, PASSWORD_CHECK_LOCK_DIR, ignore_errors=True)


def build_test_app(url: str, **overrides):
    """A testing app on `url` with the schema and reference lists in place, committed."""
    overrides.setdefault("PASSWORD_CHECK_LOCK_DIR", PASSWORD_CHECK_LOCK_DIR)
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    application.test_client_class = LifecycleClient
    _limiter_states[application] = dict(vars(limiter))
    with application.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
    return application


# No test depends on how fast the machine is at the moment: no deadlines, no data-generation speed check.
settings.register_profile("steady", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("steady")

# Sessions bound to a test's connection join its outer transaction through savepoints: a commit in
# the app releases a savepoint, and the test's rollback undoes everything.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@pytest.fixture(scope="session")
def sqlite_app():
    """The app on one in-memory SQLite database for the whole run."""
    return build_test_app("sqlite://")


@pytest.fixture(scope="session")
def postgresql_app():
    """The app on this run's PostgreSQL schema for the whole run."""
    skip_without_postgres()
    application = build_test_app(POSTGRES_URL)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Which database engine the test runs on."""
    if request.param == "postgresql":
        skip_without_postgres()
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    """The app of this engine, its database inside a transaction that is rolled back after the test.

    No app context is pushed: requests and CLI commands make their own, as they do when served.
    Changes a test makes to the configuration or the extensions are undone after it.
    """
    application = request.getfixturevalue(f"{backend}_app")
    with application.app_context():
        engines = db.engines  # the app's own mapping of bind key to engine
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    config, extensions = dict(application.config), dict(application.extensions)
    vars(limiter).update(_limiter_states[application])
    application.config["INSTANCE_TMP"] = str(tmp_path)
    try:
        yield application
    finally:
        engines[None] = engine
        outer.rollback()
        connection.close()
        application.config.clear()
        application.config.update(config)
        application.extensions.clear()
        application.extensions.update(extensions)


@pytest.fixture
def app_ctx(app):
    """An app context for the whole test, for tests that call services directly and make no request."""
    with app.app_context() as context:
        yield context


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for flask commands."""
    return app.test_cli_runner()


@contextmanager
def set_up(app):
    """An app context for set-up code: the test's own where it holds one, else one that ends with the block.

    Yields whether the block's session ends with it, so that what it made must be loaded to be read later.
    """
    if has_app_context():
        yield False
    else:
        with app.app_context():
            yield True


def loaded(instance):
    """Load an instance's columns and relationships, and those of the items it holds (an office's hours),
    so that it can still be read after its session ends."""
    db.session.refresh(instance)
    for relationship in inspect(instance).mapper.relationships:
        related = getattr(instance, relationship.key)
        for item in related if isinstance(related, list) else []:
            for inner in inspect(item).mapper.relationships:
                if inner.mapper.class_ is not type(instance):
                    getattr(item, inner.key)
    return instance


class FakeGeocoder:
    """A geocoder that knows a handful of places; tests pass it where a geocoder is needed."""

    PLACES = {
        "10025": Place(40.7975, -73.9683, "New York, NY 10025", "NY", "10025"),
        "83702": Place(43.6328, -116.2035, "Boise, ID 83702", "ID", "83702"),
        "57501": Place(44.3748, -100.3179, "Pierre, SD 57501", "SD", "57501"),
        "boise, id": Place(43.61, -116.2, "Boise, ID", "ID", None),
    }

    def locate(self, text: str):
        """Known places only."""
        return self.PLACES.get((text or "").strip().lower())

    def state_at(self, lat: float, lng: float):
        """The state of the nearest known place."""
        nearest = min(self.PLACES.values(), key=lambda p: (p.lat - lat) ** 2 + (p.lng - lng) ** 2)
        return nearest.state


@pytest.fixture
def fake_geocoder():
    """A FakeGeocoder."""
    return FakeGeocoder()


@pytest.fixture
def make_provider(app):
    """Factory: a listed provider with one office; keyword arguments override any field.

    Reference lists take slugs, under the relationship's name or the attribute's key (modalities=[...],
    insurance=[...], conditions=[...], ethnicity=[...], faith="jewish", type="psychiatrist"); offices takes
    dicts (with "hours": [{"day", "opens", "closes"}] if wanted); licenses takes state codes.
    """
    from referral.models import OfficeHours
    from referral.services.attributes import ATTRIBUTES

    references = [a for a in ATTRIBUTES if a.reference is not None]
    counter = {"n": 0}

    def factory(**overrides) -> Provider:
        counter["n"] += 1
        n = counter["n"]
        offices = overrides.pop("offices", [{"lat": 40.7975, "lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}])
        licenses = overrides.pop("licenses", None)
        slugs = {}
        for attribute in references:
            for key in {attribute.column, attribute.output_key, attribute.name}:
                if key in overrides and not hasattr(overrides[key], "_sa_instance_state"):
                    slugs[attribute] = overrides.pop(key)
        if "provider_type" not in overrides:
            slugs.setdefault(next(a for a in references if a.name == "type"), "psychologist")
        if "confirmed_days_ago" in overrides:
            days = overrides.pop("confirmed_days_ago")
            overrides["availability_confirmed_at"] = None if days is None else utcnow() - timedelta(days=days)
        values = dict(
            first_name=f"Testa{n}", last_name=f"Quillby{n:04d}", credentials="PhD",
            statement="I work with adults.",
            accepting_new_patients=True, availability_confirmed_at=utcnow() - timedelta(days=3),
            telehealth=False, in_person=True, fee=160, fee_min=150, fee_max=200, sliding_scale=False,
            phone="(212) 555-0100", source="demo",
        )
        values.update(overrides)
        with set_up(app) as ends:
            provider = Provider(**values)
            for attribute, chosen in slugs.items():
                if attribute.multiple:
                    setattr(provider, attribute.column, [get_by_slug(attribute.reference, slug) for slug in chosen])
                else:
                    setattr(provider, attribute.column, get_by_slug(attribute.reference, chosen) if chosen else None)
            provider.offices = [
                Office(**{"address1": "1 Test Street", **{k: v for k, v in office.items() if k != "hours"}},
                       hours=[OfficeHours(**window) for window in office.get("hours", [])])
                for office in offices
            ]
            states = licenses if licenses is not None else sorted({o["state"] for o in offices})
            provider.licenses = [License(state=state, number=f"T{n:05d}") for state in states]
            db.session.add(provider)
            db.session.commit()
            return loaded(provider) if ends else provider

    return factory


# --- Accounts fixtures (accounts area): users and signing in through the real /login form. ---------

DEFAULT_TEST_PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="provider", email=None, password=..., confirmed=True, two_factor=None) -> a committed
    User. Admins have two-step sign-in on unless two_factor=False; `test_totp_secret` holds its secret."""
    import pyotp

    from referral.models import User
    from referral.services.accounts import hash_password

    counter = {"n": 0}

    def factory(role: str = "provider", email: str | None = None, password: str = DEFAULT_TEST_PASSWORD,
                confirmed: bool = True, two_factor: bool | None = None, **overrides) -> User:
        counter["n"] += 1
        if role == "admin" if two_factor is None else two_factor:
            overrides.update(totp_secret=pyotp.random_base32(), totp_confirmed_at=utcnow())
        with set_up(app) as ends:
            user = User(
                email=(email or f"{role}{counter['n']}@example.org").lower(),
                password_hash=hash_password(password),
                role=role,
                display_name=overrides.pop("display_name", f"Test {role.title()} {counter['n']}"),
                email_confirmed_at=utcnow() if confirmed else None,
                session_version=1,
                **overrides,
            )
            db.session.add(user)
            db.session.commit()
            if ends:
                loaded(user)
        user.test_password = password  # plain attribute, not a column: lets login() sign in as this user
        user.test_totp_secret = overrides.get("totp_secret")  # likewise, for the code step
        return user

    return factory


@pytest.fixture
def login():
    """login(client, user, password=None): sign the client in through the /login form, and the code form when
    the account has two-step sign-in (a fresh code of `user.test_totp_secret`); returns the last response."""
    from two_factor_codes import fresh_code

    def sign_in(client, user, password: str | None = None):
        response = client.post("/login", data={
            "email": user.email,
            "password": password or getattr(user, "test_password", DEFAULT_TEST_PASSWORD),
        })
        assert response.status_code == 302, f"login as {user.email} failed with status {response.status_code}"
        if response.location.endswith("/login/code"):
            response = client.post("/login/code", data={"code": fresh_code(user.test_totp_secret)})
            assert response.status_code == 302, f"the code of {user.email} was refused ({response.status_code})"
        return response

    return sign_in
