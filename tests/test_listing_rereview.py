"""A verified listing whose identity changes (name, credentials, type of clinician) goes back to an administrator.

Verifying a listing checks who it is: its NPI against the registry and the owner's account against the
name. A change of any of those is unchecked until an administrator approves it again, so the listing waits
for review like a new one: hidden from search, taking no messages or referrals.
"""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import ListingAudit, ListingReview, OutboxMessage, Provider

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def owned(make_provider, user, **overrides):
    """A verified listing owned by `user`."""
    values = dict(npi="1234567893", owner_id=user.id, listing_status="verified", verified_at=NOW, source="owner",
                  first_name="Marisol", last_name="Quenneville", credentials="LCSW", type="psychologist")
    values.update(overrides)
    return make_provider(**values)


def listing(app, provider_id: int) -> Provider:
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        db.session.expunge(provider)
        return provider


def reviews(app, provider_id: int) -> list[tuple[str, str]]:
    """(kind, status) of every review request of the listing, oldest first."""
    with app.app_context():
        return [(r.kind, r.status) for r in db.session.scalars(
            select(ListingReview).where(ListingReview.provider_id == provider_id).order_by(ListingReview.id))]


def patch(client, provider_id: int, **changes):
    version = client.get(f"/api/v1/listings/{provider_id}").get_json()["version"]
    return client.patch(f"/api/v1/listings/{provider_id}", json={"version": version, **changes})


@pytest.mark.parametrize("changes", [
    {"first_name": "Marisa"}, {"last_name": "Quennevil"}, {"credentials": "LICSW"}, {"type": "counselor"},
])
def test_a_change_of_identity_sends_a_verified_listing_back_to_review(app, client, make_user, make_provider, login,
                                                                      changes):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    answer = patch(client, provider.id, **changes)
    assert answer.status_code == 200 and answer.get_json()["listing_status"] == "pending"
    assert reviews(app, provider.id) == [("change", "pending")]
    assert client.get(f"/providers/{provider.id}").status_code == 404
    assert client.get(f"/providers/{provider.id}/contact").status_code == 404  # no messages under an unchecked name
    assert client.get("/api/v1/providers?q=Quenne").get_json()["results"] == []


def test_other_changes_keep_the_listing_verified(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    answer = patch(client, provider.id, statement="I work with adults and couples.", fee=150, languages=["es"])
    assert answer.status_code == 200 and answer.get_json()["listing_status"] == "verified"
    assert reviews(app, provider.id) == []


def test_eleven_renames_leave_the_listing_unverified_with_one_request_in_the_queue(app, client, make_user,
                                                                                     make_provider, login):
    owner, admin = make_user(), make_user(role="admin")
    provider = owned(make_provider, owner)
    login(client, owner)
    for number in range(11):
        assert patch(client, provider.id, last_name=f"Quenneville-{number}").status_code == 200
    assert listing(app, provider.id).listing_status == "pending"
    assert reviews(app, provider.id) == [("change", "pending")]

    admin_client = app.test_client()
    login(admin_client, admin)
    queue = re.sub(r"\s+", " ", admin_client.get("/admin/reviews").get_data(as_text=True))
    assert "Changed details: Marisol Quenneville-10" in queue
    # The value an administrator last verified, beside the one waiting now.
    assert re.search(r'<th scope="row">Last name</th> ?<td>Quenneville</td> ?<td>Quenneville-10</td>', queue)
    with app.app_context():
        review_id = db.session.scalars(select(ListingReview)).one().id
    assert admin_client.post(f"/admin/reviews/{review_id}/approve").status_code == 302

    approved = listing(app, provider.id)
    assert approved.listing_status == "verified" and approved.verified_at > NOW
    assert client.get(f"/providers/{provider.id}").status_code == 200
    with app.app_context():
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "listing.approved")).one()
        assert mail.to_address == owner.email and "changes to your listing" in mail.body_text

    # Verified again: the next rename is a new request.
    assert patch(client, provider.id, last_name="Quenneville").get_json()["listing_status"] == "pending"
    assert reviews(app, provider.id) == [("change", "approved"), ("change", "pending")]


def test_the_editor_says_so_before_and_after_the_save(app, client, make_user, make_provider, login):
    from test_listings_web import form_data

    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    editor = client.get(f"/listings/{provider.id}/edit").get_data(as_text=True)
    assert "sends your listing back to an administrator" in editor
    saved = client.post(f"/listings/{provider.id}/edit", data=form_data(provider, credentials="PsyD"),
                        follow_redirects=True).get_data(as_text=True)
    assert "An administrator will check the change" in saved
    assert listing(app, provider.id).listing_status == "pending"
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Waiting for review" in dashboard


def test_a_rejected_change_hides_the_listing_until_it_is_fixed_and_approved(app, client, make_user, make_provider,
                                                                           login):
    owner, admin = make_user(), make_user(role="admin")
    provider = owned(make_provider, owner)
    login(client, owner)
    patch(client, provider.id, first_name="Someone", last_name="Else")
    admin_client = app.test_client()
    login(admin_client, admin)
    with app.app_context():
        review_id = db.session.scalars(select(ListingReview)).one().id
    reason = "The NPI is registered to Marisol Quenneville."
    assert admin_client.post(f"/admin/reviews/{review_id}/reject", data={"reason": reason}).status_code == 302
    assert listing(app, provider.id).listing_status == "rejected"
    assert reason in client.get("/dashboard").get_data(as_text=True)
    assert client.get(f"/providers/{provider.id}").status_code == 404

    patch(client, provider.id, first_name="Marisol", last_name="Quenneville")
    assert client.post(f"/listings/{provider.id}/resubmit").status_code == 302
    assert reviews(app, provider.id) == [("change", "rejected"), ("new", "pending")]


def test_an_administrators_change_needs_no_review(app, client, make_user, make_provider, login):
    owner, admin = make_user(), make_user(role="admin")
    provider = owned(make_provider, owner)
    login(client, admin)
    answer = patch(client, provider.id, credentials="LICSW")
    assert answer.status_code == 200 and answer.get_json()["listing_status"] == "verified"
    assert reviews(app, provider.id) == []


def test_a_listing_already_waiting_gets_no_second_request(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner, listing_status="pending", verified_at=None)
    with app.app_context():
        db.session.add(ListingReview(provider_id=provider.id, requester_id=owner.id, kind="new"))
        db.session.commit()
    login(client, owner)
    assert patch(client, provider.id, last_name="Quennevil").get_json()["listing_status"] == "pending"
    assert reviews(app, provider.id) == [("new", "pending")]


def test_the_npi_cannot_be_changed_by_the_owner(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    answer = patch(client, provider.id, npi="1234567901")
    assert answer.status_code == 400 and answer.get_json()["error"]["parameter"] == "npi"
    assert listing(app, provider.id).npi == "1234567893"


def test_the_change_is_in_the_history(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    patch(client, provider.id, credentials="PsyD")
    with app.app_context():
        entry = db.session.scalars(select(ListingAudit).where(ListingAudit.action == "edit")).one()
        assert entry.changes["credentials"] == ["LCSW", "PsyD"]
        assert entry.changes["listing_status"] == ["verified", "pending"]
        assert db.session.scalar(select(func.count()).select_from(ListingReview)) == 1
