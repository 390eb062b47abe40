"""The admin review queue through the pages: approve shows "verified on DATE", reject shows the reason."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import ListingReview, OutboxMessage, Provider


def test_claim_approved_by_admin_shows_verified_on_date(app, client, make_user, make_provider, login):
    # The whole flow on one frozen day: the session cookies and "verified on" agree on the date.
    with time_machine.travel(datetime(2026, 4, 9, 15, 0, tzinfo=timezone.utc), tick=False):
        listing = make_provider(npi="1234567893", last_name="Ferreira", source="nppes")
        provider_user, admin = make_user(), make_user(role="admin")
        login(client, provider_user)
        client.post("/listings/claim", data={"npi": "1234567893"})
        assert client.get(f"/listings/{listing.id}/edit").status_code == 403  # not yours until approved

        admin_client = app.test_client()
        login(admin_client, admin)
        queue = admin_client.get("/admin/reviews").get_data(as_text=True)
        assert "Claim: Testa" in queue and provider_user.email in queue
        with app.app_context():
            review_id = db.session.scalars(select(ListingReview)).one().id
        assert admin_client.post(f"/admin/reviews/{review_id}/approve").status_code == 302
        assert "Nothing is waiting for review" in admin_client.get("/admin/reviews").get_data(as_text=True)
        assert "Verified on April 9, 2026" in client.get(f"/providers/{listing.id}").get_data(as_text=True)
        assert client.get(f"/listings/{listing.id}/edit").status_code == 200
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.kind == "listing.approved")) == 1


def test_rejection_needs_a_reason_and_the_provider_sees_it(app, client, make_user, login):
    provider_user, admin = make_user(), make_user(role="admin")
    login(client, provider_user)
    client.post("/listings/new", data={"npi": "1234567893", "first_name": "Ida", "last_name": "Moss",
                                       "provider_type": "psychologist"})
    with app.app_context():
        provider_id = db.session.scalars(select(Provider)).one().id
    assert client.get(f"/providers/{provider_id}").status_code == 404  # pending: not public

    admin_client = app.test_client()
    login(admin_client, admin)
    with app.app_context():
        review_id = db.session.scalars(select(ListingReview)).one().id
    empty = admin_client.post(f"/admin/reviews/{review_id}/reject", data={"reason": ""})
    assert empty.status_code == 400 and "Give the provider a reason" in empty.get_data(as_text=True)
    reason = "The NPI is registered to a different name."
    assert admin_client.post(f"/admin/reviews/{review_id}/reject", data={"reason": reason}).status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert reason in dashboard and "Not approved" in dashboard
    assert client.get(f"/providers/{provider_id}").status_code == 404
    assert admin_client.post(f"/admin/reviews/{review_id}/approve").status_code == 302  # already decided: flash
    with app.app_context():
        assert db.session.get(Provider, provider_id).listing_status == "rejected"
