"""Shared fixtures: the app on SQLite and on PostgreSQL, a client, a CLI runner, factories."""
import atexit
import os
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from config import TestingConfig
from referral import create_app
from referral.extensions import db
from referral.models import License, Office, Provider, ProviderType, utcnow
from referral.services.geocoding import Place
from referral.services.reference import get_by_slug, load_reference_data

POSTGRES_SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test run gets its own schema, so that runs on one server do not disturb each other.
POSTGRES_SCHEMA = f"test_run_{os.getpid()}"
POSTGRES_URL = f"{POSTGRES_SERVER_URL}{'&' if '?' in POSTGRES_SERVER_URL else '?'}options=-csearch_path%3D{POSTGRES_SCHEMA}"
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
_postgres_state: dict = {}


def _drop_postgres_schema() -> None:
    engine = create_engine(POSTGRES_SERVER_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{POSTGRES_SCHEMA}" CASCADE'))
    engine.dispose()


def _postgres_ready() -> str | None:
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
            _postgres_state["reason"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {error.__class__.__name__}"
    return _postgres_state["reason"]


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Which database engine the test runs on."""
    if request.param == "postgresql":
        reason = _postgres_ready()
        if reason:
            if REQUIRE_POSTGRES:
                pytest.fail(reason)
            pytest.skip(reason)
    return request.param


@pytest.fixture
def app(backend, tmp_path):
    """The app on a fresh database holding the reference lists, inside an app context."""
    url = "sqlite://" if backend == "sqlite" else POSTGRES_URL
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_TMP=str(tmp_path))
    with application.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        yield application
        db.session.rollback()
        if backend == "postgresql":
            _truncate_all()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for flask commands."""
    return app.test_cli_runner()


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

    Lists (modalities=["psychodynamic"], frequencies=[...], concerns, insurance, languages, age_groups)
    take slugs; offices takes dicts; licenses takes state codes.
    """
    from referral.models import AgeGroup, Concern, Frequency, InsurancePlan, Language, Modality, TreatmentLength

    lists = {
        "modalities": Modality, "frequencies": Frequency, "concerns": Concern, "insurance_plans": InsurancePlan,
        "languages": Language, "age_groups": AgeGroup, "treatment_lengths": TreatmentLength,
    }
    counter = {"n": 0}

    def factory(**overrides) -> Provider:
        counter["n"] += 1
        n = counter["n"]
        type_slug = overrides.pop("type", "psychologist")
        offices = overrides.pop("offices", [{"lat": 40.7975, "lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}])
        licenses = overrides.pop("licenses", None)
        slug_lists = {key: overrides.pop(key, []) for key in lists}
        if "insurance" in overrides:
            slug_lists["insurance_plans"] = overrides.pop("insurance")
        if "confirmed_days_ago" in overrides:
            days = overrides.pop("confirmed_days_ago")
            overrides["availability_confirmed_at"] = None if days is None else utcnow() - timedelta(days=days)
        values = dict(
            first_name=f"Testa{n}", last_name=f"Quillby{n:04d}", credentials="PhD",
            provider_type=get_by_slug(ProviderType, type_slug), statement="I work with adults.",
            accepting_new_patients=True, availability_confirmed_at=utcnow() - timedelta(days=3),
            telehealth=False, in_person=True, fee_min=150, fee_max=200, sliding_scale=False,
            phone="(212) 555-0100", source="demo",
        )
        values.update(overrides)
        provider = Provider(**values)
        for key, model in lists.items():
            setattr(provider, key, [get_by_slug(model, slug) for slug in slug_lists[key]])
        provider.offices = [Office(**{"address1": "1 Test Street", **office}) for office in offices]
        states = licenses if licenses is not None else sorted({o["state"] for o in offices})
        provider.licenses = [License(state=state, number=f"T{n:05d}") for state in states]
        db.session.add(provider)
        db.session.commit()
        return provider

    return factory


# --- Accounts fixtures (accounts area): users and signing in through the real /login form. ---------

DEFAULT_TEST_PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="provider", email=None, password=..., confirmed=True) -> a committed User."""
    from referral.models import User
    from referral.services.accounts import hash_password

    counter = {"n": 0}

    def factory(role: str = "provider", email: str | None = None, password: str = DEFAULT_TEST_PASSWORD,
                confirmed: bool = True, **overrides) -> User:
        counter["n"] += 1
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
        user.test_password = password  # plain attribute, not a column: lets login() sign in as this user
        return user

    return factory


@pytest.fixture
def login():
    """login(client, user, password=None): sign the client in through the /login form; returns the response."""

    def sign_in(client, user, password: str | None = None):
        response = client.post("/login", data={
            "email": user.email,
            "password": password or getattr(user, "test_password", DEFAULT_TEST_PASSWORD),
        })
        assert response.status_code == 302, f"login as {user.email} failed with status {response.status_code}"
        return response

    return sign_in
