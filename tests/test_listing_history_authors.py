"""Who made each change in a listing's history, as the person reading it may know them.

The owner sees their own address and "An administrator" for administrators' changes: no administrator's
address reaches a provider's page. Administrators see every address.
"""
import re

from sqlalchemy import select

from referral.extensions import db
from referral.models import ListingReview, Provider, User
from referral.services.audit import record_change
from referral.services.listing_history import history_for


def claimed_and_approved(app, client, make_user, make_provider, login):
    """A registry listing claimed by a provider and approved by an administrator; then the owner edits it."""
    listing = make_provider(npi="1234567893", source="nppes", listing_status="unclaimed")
    owner = make_user(email="owner.history@example.org")
    admin = make_user(role="admin", email="admin.reviewer@example.org")
    login(client, owner)
    client.post("/listings/claim", data={"npi": "1234567893"})
    admin_client = app.test_client()
    login(admin_client, admin)
    with app.app_context():
        review_id = db.session.scalars(select(ListingReview)).one().id
    assert admin_client.post(f"/admin/reviews/{review_id}/approve").status_code == 302
    version = client.get(f"/api/v1/listings/{listing.id}").get_json()["version"]
    assert client.patch(f"/api/v1/listings/{listing.id}", json={"version": version, "fee": 170}).status_code == 200
    return listing, owner, admin, admin_client


def who_column(html: str) -> list[str]:
    """The "Who" cell of each history entry, in order."""
    rows = re.findall(r'<td rowspan="\d+">[^<]*</td>\s*<td rowspan="\d+">([^<]*)</td>', html)
    return [" ".join(row.split()) for row in rows]


def test_the_owner_sees_an_administrator_not_their_address(app, client, make_user, make_provider, login):
    listing, owner, admin, _ = claimed_and_approved(app, client, make_user, make_provider, login)
    html = client.get(f"/listings/{listing.id}/history").get_data(as_text=True)
    assert admin.email not in html
    assert who_column(html) == ["You (owner.history@example.org)", "An administrator"]


def test_an_administrator_sees_who_did_what(app, client, make_user, make_provider, login):
    listing, owner, admin, admin_client = claimed_and_approved(app, client, make_user, make_provider, login)
    html = admin_client.get(f"/listings/{listing.id}/history").get_data(as_text=True)
    assert who_column(html) == ["owner.history@example.org", "You (admin.reviewer@example.org)"]
    other_admin = make_user(role="admin")
    other_client = app.test_client()
    login(other_client, other_admin)
    html = other_client.get(f"/listings/{listing.id}/history").get_data(as_text=True)
    assert who_column(html) == ["owner.history@example.org", "admin.reviewer@example.org (administrator)"]


def test_entries_by_another_account_and_by_the_directory_name_nobody(app_ctx, make_user, make_provider):
    former = make_user(email="former.owner@example.org")
    owner = make_user(email="current.owner@example.org")
    provider = make_provider(owner_id=owner.id, listing_status="verified", source="owner")
    provider = db.session.get(Provider, provider.id)
    record_change(provider, former, "edit", {"fee": (150, 160)})
    record_change(provider, None, "edit", {"fee": (160, 165)})
    record_change(provider, db.session.get(User, owner.id), "edit", {"fee": (165, 170)})
    db.session.flush()
    _, entries = history_for(db.session.get(User, owner.id), provider.id)
    assert [entry.author for entry in entries] == ["You (current.owner@example.org)", "The directory",
                                                   "Another account"]
    assert all(not hasattr(entry, "user") for entry in entries)
