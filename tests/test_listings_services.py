"""Listing services: NPI checks, creating and claiming, admin review, the editor's save and its audit log."""
import io
from datetime import datetime, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from referral.extensions import db
from referral.models import ListingAudit, ListingReview, OutboxMessage, Provider
from referral.services import listings as svc
from referral.services.audit import listing_history
from referral.services.errors import Conflict, PermissionDenied, ValidationFailed
from referral.services.npi import npi_is_valid
from referral.services.search import search_providers
from referral.services.search_params import SearchCriteria

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("npi, valid", [
    ("1234567893", True), ("1234567890", False), ("1234567901", True), ("123456789", False),
    ("12345678931", False), ("abcdefghij", False), ("", False), (None, False),
])
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid


def owned(make_provider, user, **overrides):
    """A verified listing owned by `user`."""
    values = dict(npi="1234567893", owner_id=user.id, listing_status="verified", verified_at=NOW, source="owner")
    values.update(overrides)
    return make_provider(**values)


def search_names(q: str) -> list[str]:
    page = search_providers(SearchCriteria(q=q))
    return [hit.provider.name for hit in page.hits]


# --- creating and claiming ---------------------------------------------------------------------

def test_create_listing_is_pending_and_invisible_until_approved(app_ctx, make_user):
    provider_user, admin = make_user(), make_user(role="admin")
    provider = svc.create_listing(provider_user, {"npi": "1234567893", "first_name": "Wren", "last_name": "Okafor",
                                                  "credentials": "LCSW", "provider_type": "clinical-social-worker"})
    db.session.commit()
    assert provider.listing_status == "pending" and provider.owner_id == provider_user.id
    assert search_names("Okafor") == []
    review = db.session.scalar(select(ListingReview).where(ListingReview.provider_id == provider.id))
    assert review.kind == "new" and review.status == "pending"

    svc.approve_review(admin, review.id, now=NOW)
    db.session.commit()
    assert provider.listing_status == "verified" and provider.verified_at == NOW
    assert search_names("Okafor") == ["Wren Okafor"]
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "listing.approved")).all()
    assert [m.to_address for m in mail] == [provider_user.email]


@pytest.mark.parametrize("npi, message", [
    ("1234567890", "check digit"), ("12345", "exactly 10 digits"), ("", "Enter your 10-digit NPI"),
])
def test_create_listing_refuses_bad_npi(app_ctx, make_user, npi, message):
    with pytest.raises(ValidationFailed) as error:
        svc.create_listing(make_user(), {"npi": npi, "first_name": "A", "last_name": "B",
                                         "provider_type": "psychologist"})
    assert message in error.value.errors["npi"]


def test_create_listing_refuses_an_existing_npi(app_ctx, make_user, make_provider):
    make_provider(npi="1234567893")
    with pytest.raises(ValidationFailed) as error:
        svc.create_listing(make_user(), {"npi": "1234567893", "first_name": "A", "last_name": "B",
                                         "provider_type": "psychologist"})
    assert "Claim it" in error.value.errors["npi"]


@pytest.mark.parametrize("role, confirmed", [("referrer", True), ("admin", True), ("provider", False)])
def test_only_confirmed_provider_accounts_create_or_claim(app_ctx, make_user, make_provider, role, confirmed):
    make_provider(npi="1234567893")
    user = make_user(role=role, confirmed=confirmed)
    with pytest.raises(PermissionDenied):
        svc.claim_listing(user, "1234567893")
    with pytest.raises(PermissionDenied):
        svc.create_listing(user, {"npi": "1234567901", "first_name": "A", "last_name": "B",
                                  "provider_type": "psychologist"})


def test_claim_keeps_listing_public_until_approved_then_owner_gets_it(app_ctx, make_user, make_provider):
    listing = make_provider(npi="1234567893", last_name="Marchetti", source="nppes")
    claimant, admin = make_user(), make_user(role="admin")
    review = svc.claim_listing(claimant, "1234 567 893", now=NOW)
    db.session.commit()
    assert listing.owner_id is None and listing.listing_status == "unclaimed"
    assert len(search_names("Marchetti")) == 1

    svc.approve_review(admin, review.id, now=NOW)
    db.session.commit()
    assert listing.owner_id == claimant.id and listing.listing_status == "verified"
    assert len(search_names("Marchetti")) == 1
    audit = db.session.scalars(select(ListingAudit).where(ListingAudit.provider_id == listing.id)).all()
    assert audit[-1].action == "approve" and audit[-1].changes["owner_id"] == [None, claimant.id]


def test_claim_refused_when_verified_owner_exists(app_ctx, make_user, make_provider):
    owner = make_user()
    owned(make_provider, owner)
    with pytest.raises(ValidationFailed) as error:
        svc.claim_listing(make_user(), "1234567893")
    assert "verified owner" in error.value.errors["npi"]


def test_claim_refuses_invalid_unknown_and_duplicate(app_ctx, make_user, make_provider):
    make_provider(npi="1234567893")
    user = make_user()
    with pytest.raises(ValidationFailed, match="check digit"):
        svc.claim_listing(user, "1234567890")
    with pytest.raises(ValidationFailed, match="No listing has this NPI"):
        svc.claim_listing(user, "1234567901")
    svc.claim_listing(user, "1234567893")
    with pytest.raises(ValidationFailed, match="already waiting"):
        svc.claim_listing(user, "1234567893")


def test_approving_one_claim_rejects_competing_claims(app_ctx, make_user, make_provider):
    make_provider(npi="1234567893")
    first, second, admin = make_user(), make_user(), make_user(role="admin")
    winner = svc.claim_listing(first, "1234567893")
    loser = svc.claim_listing(second, "1234567893")
    svc.approve_review(admin, winner.id)
    assert loser.status == "rejected" and "Another account" in loser.reason
    with pytest.raises(Conflict):
        svc.approve_review(admin, loser.id)


def test_rejecting_a_new_listing_needs_a_reason_the_provider_sees(app_ctx, make_user):
    user, admin = make_user(), make_user(role="admin")
    provider = svc.create_listing(user, {"npi": "1234567893", "first_name": "A", "last_name": "Zed",
                                         "provider_type": "psychologist"})
    review = db.session.scalar(select(ListingReview))
    with pytest.raises(ValidationFailed) as error:
        svc.reject_review(admin, review.id, "  ")
    assert "reason" in error.value.errors
    svc.reject_review(admin, review.id, "The NPI belongs to someone else.")
    assert provider.listing_status == "rejected"
    dashboard = svc.dashboard_for(user)
    assert dashboard.latest_review[provider.id].reason == "The NPI belongs to someone else."
    assert db.session.scalar(select(OutboxMessage.kind)) == "listing.rejected"
    svc.resubmit_listing(user, provider.id)
    assert provider.listing_status == "pending"
    assert len(svc.pending_reviews(admin)) == 1


def test_review_queue_is_for_admins_only(app_ctx, make_user):
    for role in ("provider", "referrer"):
        with pytest.raises(PermissionDenied):
            svc.pending_reviews(make_user(role=role))
    with pytest.raises(PermissionDenied):
        svc.pending_reviews(None)


# --- the editor's save -------------------------------------------------------------------------

def test_update_changes_fields_lists_offices_and_audits(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner, modalities=["cbt"])
    version = provider.version_id
    svc.update_listing(owner, provider.id, {
        "statement": "First paragraph.\n\n<b>Second</b>.", "modalities": ["psychodynamic", "cbt"],
        "offices": [{"address1": "5 Main St", "address2": "", "city": "Boise", "state": "ID", "zip": "83702"}],
        "fee_min": 90, "fee_max": 120, "fee": 100,
    }, version, fake_geocoder, now=NOW)
    db.session.commit()
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    assert provider.version_id == version + 1
    assert provider.statement == "First paragraph.\n\n<b>Second</b>."
    assert {m.slug for m in provider.modalities} == {"psychodynamic", "cbt"}
    assert [(o.city, round(o.lat, 2)) for o in provider.offices] == [("Boise", 43.63)]
    entry = db.session.scalars(select(ListingAudit).where(ListingAudit.action == "edit")).one()
    assert entry.user_id == owner.id and entry.version_after == version + 1
    assert set(entry.changes) == {"statement", "modalities", "offices", "fee_min", "fee_max", "fee"}
    assert entry.changes["fee_min"] == [150, 90]


def test_list_only_change_moves_the_version(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    version = provider.version_id
    svc.update_listing(owner, provider.id, {"languages": ["es"]}, version, fake_geocoder)
    db.session.commit()
    assert provider.version_id == version + 1


def test_ungeocodable_office_is_refused_at_that_field(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    offices = [
        {"address1": "1 Test Street", "address2": "", "city": "New York", "state": "NY", "zip": "10025"},
        {"address1": "9 Nowhere", "address2": "", "city": "Atlantis", "state": "NY", "zip": "00001"},
    ]
    with pytest.raises(ValidationFailed) as error:
        svc.update_listing(owner, provider.id, {"offices": offices, "statement": "new"}, provider.version_id,
                           fake_geocoder)
    assert list(error.value.errors) == ["offices-1-zip"]
    assert "could not find this address" in error.value.errors["offices-1-zip"]
    db.session.rollback()
    assert db.session.get(Provider, provider.id).statement == "I work with adults."


def test_zip_in_another_state_is_refused(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    with pytest.raises(ValidationFailed) as error:
        svc.update_listing(owner, provider.id, {"offices": [
            {"address1": "", "address2": "", "city": "Boise", "state": "NY", "zip": "83702"}]},
            provider.version_id, fake_geocoder)
    assert error.value.errors == {"offices-0-zip": "ZIP code 83702 is in ID, not NY."}


@pytest.mark.parametrize("changes, field", [
    ({"first_name": ""}, "first_name"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"fee_min": 300, "fee_max": 100}, "fee_max"),
    ({"fee_min": -5}, "fee_min"),
    ({"modalities": ["no-such-thing"]}, "modalities"),
    ({"type": "wizard"}, "type"),
    ({"gender": "robot"}, "gender"),
    ({"fee": 100, "fee_min": 150, "fee_max": 200}, "fee"),
    ({"fee": 6000}, "fee"),
    ({"pronouns": "x" * 41}, "pronouns"),
    ({"ethnicity": ["no-such-background"]}, "ethnicity"),
    ({"faith": "no-such-faith"}, "faith"),
    ({"free_consultation_minutes": -10}, "free_consultation_minutes"),
    ({"offices": [{"address1": "", "address2": "", "city": "New York", "state": "NY", "zip": "10025",
                   "hours": [{"day": 7, "opens": 540, "closes": 600}]}]}, "offices-0-hours"),
    ({"offices": [{"address1": "", "address2": "", "city": "New York", "state": "NY", "zip": "10025",
                   "hours": [{"day": 1, "opens": 900, "closes": 600}]}]}, "offices-0-hours"),
    ({"telehealth": True, "licenses": []}, "licenses"),
    ({"in_person": True, "offices": []}, "offices"),
    ({"licenses": [{"state": "XX", "number": "1"}]}, "licenses-0-state"),
    ({"accepting_new_patients": "yes"}, "accepting_new_patients"),
    ({"owner_id": 5}, "owner_id"),
])
def test_update_refuses_bad_values(app_ctx, make_user, make_provider, fake_geocoder, changes, field):
    owner = make_user()
    provider = owned(make_provider, owner)
    with pytest.raises(ValidationFailed) as error:
        svc.update_listing(owner, provider.id, changes, provider.version_id, fake_geocoder)
    assert field in error.value.errors


def test_stale_save_is_refused_and_reports_what_changed(app_ctx, make_user, make_provider, fake_geocoder):
    owner, admin = make_user(), make_user(role="admin")
    provider = owned(make_provider, owner)
    opened_at = provider.version_id
    svc.update_listing(admin, provider.id, {"phone": "(208) 555-0199"}, opened_at, fake_geocoder)
    db.session.commit()
    with pytest.raises(svc.StaleEdit) as error:
        svc.update_listing(owner, provider.id, {"phone": "(212) 555-0111", "statement": "Mine"}, opened_at,
                           fake_geocoder)
    assert error.value.current_version == opened_at + 1
    assert [(d.field, d.theirs, d.yours) for d in error.value.differences] == [
        ("phone", "(208) 555-0199", "(212) 555-0111")]
    db.session.rollback()
    assert db.session.get(Provider, provider.id).phone == "(208) 555-0199"


@pytest.mark.parametrize("role", ["anonymous", "other-provider", "referrer"])
def test_only_owner_or_admin_may_update(app_ctx, make_user, make_provider, fake_geocoder, role):
    owner = make_user()
    provider = owned(make_provider, owner)
    user = None if role == "anonymous" else make_user(role="referrer" if role == "referrer" else "provider")
    with pytest.raises(PermissionDenied):
        svc.update_listing(user, provider.id, {"phone": "(212) 555-0111"}, provider.version_id, fake_geocoder)
    with pytest.raises(PermissionDenied):
        listing_history(user, provider.id)


def test_changing_accepting_confirms_availability(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner, accepting_new_patients=False, confirmed_days_ago=100)
    svc.update_listing(owner, provider.id, {"accepting_new_patients": True}, provider.version_id, fake_geocoder,
                       now=NOW)
    assert provider.availability_confirmed_at == NOW


def _image_bytes(fmt: str, size=(40, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 50, 50))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {2: (40.0, 47.0, 0.0)}  # GPS latitude
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def test_photo_is_reencoded_without_metadata(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    original = _image_bytes("JPEG", exif=True)
    assert b"SecretCam" in original
    svc.update_listing(owner, provider.id, {}, provider.version_id, fake_geocoder, photo=original)
    db.session.commit()
    stored = provider.photo
    assert stored.content_type == "image/jpeg" and b"SecretCam" not in stored.data
    assert not Image.open(io.BytesIO(stored.data)).getexif()


@pytest.mark.parametrize("data, message", [
    (b"GIF89a not really", "could not be read"),
    (b"\xff" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
])
def test_bad_photos_are_refused(app_ctx, make_user, make_provider, fake_geocoder, data, message):
    owner = make_user()
    provider = owned(make_provider, owner)
    with pytest.raises(ValidationFailed) as error:
        svc.update_listing(owner, provider.id, {}, provider.version_id, fake_geocoder, photo=data)
    assert message in error.value.errors["photo"]


def test_gif_photo_is_refused(app_ctx, make_user, make_provider, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    with pytest.raises(ValidationFailed, match="JPEG or PNG"):
        svc.update_listing(owner, provider.id, {}, provider.version_id, fake_geocoder, photo=_image_bytes("GIF"))
