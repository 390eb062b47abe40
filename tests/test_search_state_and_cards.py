"""Search state kept across the profile, the contact form and the shortlist; labels, not codes; cards that help choose."""
import html
import re
from urllib.parse import quote

import pytest

from referral.extensions import db
from referral.models import ProviderPhoto
from referral_world import as_role, world  # noqa: F401

GOOD = {"name": "Sam", "email": "sam.patient@example.net", "phone": "", "preferred_contact": "email",
        "message": "I am looking for weekly sessions for anxiety.", "consent": "y"}
RESULTS = "/search?near=10025&modality=psychodynamic&accepting=true&per_page=1&page=2"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def hrefs(response) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', response.get_data(as_text=True))]


def link_to(response, start: str) -> str:
    return next(h for h in hrefs(response) if h.startswith(start))


def back_link(response) -> str:
    body = response.get_data(as_text=True)
    return html.unescape(re.search(r'<a href="([^"]+)">← Back to search</a>', body).group(1))


def owned(make_provider, make_user, **overrides):
    """A verified listing with an owner: it takes messages through the directory."""
    owner = make_user()
    return make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", source="owner", **overrides)


def test_a_profile_opened_from_results_links_back_to_the_same_results_page(client, make_provider):
    for i in range(2):
        make_provider(last_name=f"Roundtrip{i}", modalities=["psychodynamic"])
    results = client.get(RESULTS)
    assert results.status_code == 200
    profile = client.get(link_to(results, "/providers/"))
    assert profile.status_code == 200
    assert back_link(profile) == RESULTS
    assert "from New York, NY 10025" in text_of(profile)  # the distance, from the search's place


@pytest.mark.parametrize("carried, back", [
    ("next=https://example.com", "/search"), ("near=10025&next=//example.com&page=2", "/search?near=10025&page=2"),
    ("%ZZ&&==", "/search"), ("near=" + "9" * 2100, "/search"), ("", "/search"), ("from=near%3D1", "/search"),
    ("q=%ff%fe&x=" + "&y=1" * 300, "/search"),
])
def test_a_profile_keeps_only_search_parameters(client, make_provider, carried, back):
    provider = make_provider()
    response = client.get(f"/providers/{provider.id}?from={quote(carried)}")
    assert response.status_code == 200
    assert back_link(response) == back
    assert "example.com" not in response.get_data(as_text=True)


def test_a_results_page_passes_on_its_search_parameters_only(client, make_provider):
    provider = make_provider()
    results = client.get("/search?near=10025&utm_source=newsletter&page=1")
    assert f"/providers/{provider.id}?from=near%3D10025%26page%3D1" in hrefs(results)


def test_a_profile_link_without_results_keeps_its_place(client, make_provider):
    provider = make_provider()
    assert back_link(client.get(f"/providers/{provider.id}?near=10025")) == "/search?near=10025"


def test_the_contact_form_returns_to_the_profile_with_the_search_kept(client, make_provider, make_user):
    provider = owned(make_provider, make_user)
    results = client.get("/search?near=10025&sort=distance")
    profile = client.get(link_to(results, f"/providers/{provider.id}"))
    contact_url = link_to(profile, f"/providers/{provider.id}/contact")
    assert "from=near%3D10025%26sort%3Ddistance" in contact_url
    form = client.get(contact_url)
    assert back_link_to_profile(form) == f"/providers/{provider.id}?from=near%3D10025%26sort%3Ddistance"
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', form.get_data(as_text=True)).group(1))
    response = client.post(action, data=GOOD)
    # Sent: the page offering the follow-up question leads back to the profile, the search still kept.
    assert response.status_code == 302
    assert response.location.startswith("/follow-up/offer/") and response.location.endswith(
        "?from=near%3D10025%26sort%3Ddistance")
    sent = client.get(response.location)
    assert "Your message was sent" in text_of(sent)
    assert back_link_to_profile(sent) == f"/providers/{provider.id}?from=near%3D10025%26sort%3Ddistance"
    assert back_link(client.get(back_link_to_profile(sent))) == "/search?near=10025&sort=distance"


def back_link_to_profile(response) -> str:
    body = response.get_data(as_text=True)
    return html.unescape(re.search(r'<a href="([^"]+)">← Back to the profile', body).group(1))


@pytest.mark.parametrize("action", ["/referrals/shortlist", "/referrals/shortlist/remove"])
def test_the_shortlist_button_returns_to_the_card_on_the_same_results_page(world, as_role, action):
    client = as_role("referrer")
    results = "/search?near=10025&sort=distance&page=1"
    page = client.get(results).get_data(as_text=True)
    assert f'id="provider-{world.provider_a.id}"' in page
    assert f'name="next" value="{html.escape(results)}"' in page
    response = client.post(action, data={"provider_id": world.provider_a.id, "next": results})
    assert response.status_code == 302
    assert response.location == f"{results}#provider-{world.provider_a.id}"


def test_the_shortlist_elsewhere_returns_to_the_page_as_it_was(world, as_role):
    client = as_role("referrer")
    profile = f"/providers/{world.provider_a.id}"
    response = client.post("/referrals/shortlist", data={"provider_id": world.provider_a.id, "next": profile})
    assert response.location == profile


def test_chips_and_suggestions_use_the_labels_people_read(client, make_provider):
    make_provider(languages=["en"], modalities=["cbt"])
    body = text_of(client.get("/search?near=10025&language=yi&modality=psychodynamic&frequency=weekly"))
    assert "No listed clinician within 25 miles" in body
    for label in ("Yiddish", "Psychodynamic Therapy", "Weekly"):
        assert f"Remove “{label}”" in body
    assert "“yi”" not in body and "“psychodynamic”" not in body and "“weekly”" not in body


@pytest.mark.parametrize("radius", ["abc", "500", "0", "nan", "inf", "-5"])
def test_a_radius_the_search_refuses_is_never_an_option(client, radius):
    response = client.get(f"/search?near=10025&radius={radius}")
    assert response.status_code == 400
    body = text_of(response)
    select = re.search(r'<select[^>]*name="radius".*?</select>', body).group(0)
    options = re.findall(r'<option[^>]*value="([^"]*)"', select)
    assert options == ["5", "10", "25", "50", "100"]
    assert re.search(r'<option selected value="25">|<option value="25" selected>', select)
    assert "The distance must be" in body


def test_a_radius_the_search_accepts_is_offered_as_typed(client):
    body = text_of(client.get("/search?near=10025&radius=30"))
    assert re.search(r'<option[^>]*value="30"[^>]*>30 miles</option>', body)


def test_errors_name_the_fields_label_not_the_parameter(client):
    body = text_of(client.get("/search?near=" + "1" * 300))
    assert "“ZIP code or city, state” is too long" in body and "near is too long" not in body
    body = text_of(client.get("/search?lat=500&lng=0"))
    assert "“Your location” must be a number between -90 and 90" in body and "lat must" not in body


def test_cards_show_the_photo_lazily_at_a_fixed_size(app, client, make_provider):
    with_photo = make_provider(last_name="Photographed")
    make_provider(last_name="Unphotographed")
    with app.app_context():
        db.session.add(ProviderPhoto(provider_id=with_photo.id, content_type="image/jpeg", data=b"\xff\xd8"))
        db.session.commit()
    body = client.get("/search?near=10025").get_data(as_text=True)
    images = re.findall(r"<img [^>]*>", body)
    assert len(images) == 1
    image = images[0]
    assert f'src="/providers/{with_photo.id}/photo?v=' in image and 'alt="Photo of Testa' in image
    assert 'loading="lazy"' in image and 'width="64"' in image and 'height="64"' in image
    assert client.get(html.unescape(re.search(r'src="([^"]+)"', image).group(1))).status_code == 200


def test_cards_name_the_states_a_telehealth_clinician_is_licensed_in(client, make_provider):
    make_provider(last_name="Remote", telehealth=True, in_person=False, offices=[], licenses=["NY", "NJ", "CT"])
    make_provider(last_name="Inperson", licenses=["NY"])
    body = text_of(client.get("/search?near=10025&telehealth=true"))
    assert "Telehealth for people in: CT, NJ, NY." in body
    assert body.count("Telehealth for people in") == 1


def test_cards_say_why_a_listing_takes_no_message_and_offer_the_claim(client, make_provider, make_user):
    make_provider(last_name="Unclaimed", npi="1588667638", phone="(212) 555-0142")
    owned(make_provider, make_user, last_name="Claimed")
    body = text_of(client.get("/search?near=10025"))
    assert body.count("Not yet claimed by the clinician") == 1
    card = body[body.index("Unclaimed"):]
    assert 'href="tel:(212) 555-0142"' in card
    assert 'href="/listings/claim?npi=1588667638"' in card and "Is this you? Claim this listing" in card


def test_the_claim_page_fills_in_the_npi_from_the_link(client, make_user, login):
    login(client, make_user())
    body = client.get("/listings/claim?npi=1588667638").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="npi"[^>]*value="1588667638"|<input[^>]*value="1588667638"[^>]*name="npi"', body)


def test_an_owned_listing_that_takes_no_message_says_so_without_a_claim_link(client, make_provider, make_user):
    owner = make_user()
    make_provider(last_name="Ownedunverified", owner_id=owner.id, listing_status="unclaimed", phone="(212) 555-0143")
    body = text_of(client.get("/search?near=10025"))
    assert "Ownedunverified" in body and "Messages through the directory are not set up yet." in body
    assert 'href="tel:(212) 555-0143"' in body and "Claim this listing" not in body
