"""Shared set-up for the referral tests: a referrer, two recipients, bystanders of every role, one referral.

Import the fixtures into a test module with `from referral_world import world, sent  # noqa: F401`.

The world is made in the test's app context where it holds one (the `app_ctx` fixture): its members are
then ordinary session objects. Otherwise it is made in an app context of its own and its members are
detached with their columns and relationships loaded: readable (ids, names, emails), and re-fetched with
`db.session.get` inside `with app.app_context():` to be changed or read afresh.
"""
from types import SimpleNamespace

import pytest
from conftest import loaded, set_up

from referral.extensions import db
from referral.models import REFERRER_APPROVED, ReferrerProfile, utcnow
from referral.services import referrals as service

ROLES = ["anonymous", "other_provider", "other_referrer", "recipient", "referrer", "admin"]
PATIENT_REFERENCE = "QX-77341"
NOTE = "Prefers late afternoons; lives with zebrafinch named Ortolan."
FORM = {
    "patient_reference": PATIENT_REFERENCE,
    "age_group": "adults",
    "patient_zip": "10025",
    "telehealth_state": "",
    "concerns": ["depression", "anxiety"],
    "modality": "psychodynamic",
    "frequency": "weekly",
    "insurance": "aetna",
    "urgency": "routine",
    "note": NOTE,
    "consent": True,
}
# The words of the patient fields that must never leave the directory in an email.
PATIENT_WORDS = (PATIENT_REFERENCE, "zebrafinch", "Ortolan", "Depression", "Anxiety", "depression", "anxiety", "10025")


@pytest.fixture
def world(app, make_user, make_provider):
    """Users of every role: a referrer, the two recipients, another provider, another referrer, an admin."""

    def referrer(email, npi):
        user = make_user(role="referrer", email=email)
        db.session.add(ReferrerProfile(user_id=user.id, npi=npi, clinician_name=f"Dr {email.split('@')[0].title()}",
                                       credentials="MD", status=REFERRER_APPROVED, decided_at=utcnow()))
        db.session.commit()
        return user

    def recipient(email, last_name):
        user = make_user(role="provider", email=email)
        provider = make_provider(owner_id=user.id, listing_status="verified", verified_at=utcnow(),
                                 last_name=last_name, source="owner")
        return user, provider

    with set_up(app) as ends:
        ref = referrer("psych@example.org", "1234567893")
        other_ref = referrer("otherpsych@example.org", "1245319599")
        rec_a, provider_a = recipient("alpha@example.org", "Alphaby")
        rec_b, provider_b = recipient("beta@example.org", "Betancourt")
        other_provider, provider_c = recipient("gamma@example.org", "Gammage")
        admin = make_user(role="admin", email="admin@example.org")
        members = dict(referrer=ref, other_referrer=other_ref, recipient=rec_a, recipient_b=rec_b,
                       other_provider=other_provider, admin=admin, provider_a=provider_a,
                       provider_b=provider_b, provider_c=provider_c)
        if ends:
            for member in members.values():
                loaded(member)
    return SimpleNamespace(**members)


def send(world, **changes):
    """Send the standard referral to providers A and B; committed. Needs an app context."""
    data = {**FORM, **changes}
    referral = service.send_referral(world.referrer, data, [world.provider_a.id, world.provider_b.id])
    db.session.commit()
    return referral


@pytest.fixture
def sent(app, world):
    """The standard referral, sent to providers A and B: (referral, copy for A, copy for B)."""
    with set_up(app) as ends:
        referral = send(world)
        copy_a, copy_b = sorted(referral.copies, key=lambda c: c.provider_id != world.provider_a.id)
        if ends:
            for instance in (referral, copy_a, copy_b):
                loaded(instance)
    return SimpleNamespace(referral=referral, a=copy_a, b=copy_b)


@pytest.fixture
def as_role(app, world, login):
    """as_role(name) -> a test client signed in as that member of the world (or anonymous)."""

    def client_for(name):
        client = app.test_client()
        if name != "anonymous":
            login(client, getattr(world, name))
        return client

    return client_for
