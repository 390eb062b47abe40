"""What a person sees: home, search page, profile, guides, errors, the crisis line everywhere."""
import re

import pytest

PAGES = ["/", "/search", "/search?near=10025", "/therapies/", "/therapies/psychodynamic", "/therapies/cbt", "/about"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.mark.parametrize("url", PAGES + ["/no-such-page", "/providers/999999"])
def test_every_page_carries_the_crisis_line_and_says_not_for_emergencies(client, url):
    response = client.get(url)
    body = text_of(response)
    assert 'href="tel:988"' in body and 'href="tel:911"' in body
    assert "not for emergencies" in body.lower()


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_nothing_from_elsewhere(app, client, url):
    body = client.get(url).get_data(as_text=True)
    # hreflang alternates name this page in each language: absolute, as they must be, on this site, and load nothing.
    own_site = re.escape(app.config["PUBLIC_BASE_URL"].rstrip("/"))
    body = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="' + own_site + r'/[^"]*">', "", body)
    for match in re.finditer(r'(?:src|href)="([^"]+)"', body):
        target = match.group(1)
        if target.startswith(("http://", "https://", "//")):
            # Only plain outbound links (no scripts, styles or images) may point elsewhere.
            assert re.search(r'<(script|link|img)[^>]+' + re.escape(target), body) is None


def test_search_shows_nearest_results_with_their_details(client, make_provider):
    make_provider(first_name="Ada", last_name="Quillfeather", credentials="LCSW", modalities=["psychodynamic"],
                  frequencies=["weekly"], fee_min=120, fee_max=180, telehealth=True)
    make_provider(first_name="Bo", last_name="Marrowby", modalities=["cbt"])
    body = text_of(client.get("/search?near=10025&modality=psychodynamic&frequency=weekly"))
    assert "Ada Quillfeather, LCSW" in body
    assert "Marrowby" not in body
    assert "1 clinician within 25 miles of New York, NY 10025" in body
    assert "Psychodynamic Therapy" in body and "Accepting new patients" in body and "$120–$180" in body
    assert "0.0 mi" in body


def test_search_form_keeps_what_was_typed_and_shows_errors_at_the_fields(client):
    response = client.get("/search?near=Atlantis%2C+ZZ&radius=500&max_fee=lots&modality=telepathy&modality=cbt")
    assert response.status_code == 400
    body = text_of(response)
    assert 'value="Atlantis, ZZ"' in body
    assert "We could not find “Atlantis, ZZ”" in body
    assert "The distance must be between 1 and 100 miles" in body
    assert 'value="lots"' in body and "“Most I can pay per session ($)” must be a whole number" in body
    assert "Not a choice for “Therapy approaches”: telepathy" in body
    assert re.search(r'<input[^>]*checked[^>]*value="cbt"|<input[^>]*value="cbt"[^>]*checked', body)


def test_empty_results_explain_and_offer_next_steps(client, make_provider):
    make_provider(last_name="Psychodynamicless", modalities=["cbt"])
    body = text_of(client.get("/search?near=10025&radius=10&modality=psychodynamic"))
    assert "No clinicians matched" in body
    assert "No listed clinician within 10 miles of New York, NY 10025 matches all of these filters" in body
    assert "Search within 20 miles" in body and "radius=20" in body
    assert "Include clinicians who offer telehealth in NY" in body
    assert "Remove “Psychodynamic Therapy”" in body and "psychodynamic”" not in body


def test_page_past_the_end_is_a_message_not_an_error(client, make_provider):
    make_provider()
    response = client.get("/search?near=10025&page=5")
    assert response.status_code == 400
    assert "There is no page 5" in text_of(response)


def test_results_are_paged(client, make_provider):
    for i in range(3):
        make_provider(last_name=f"Pager{i}")
    body = text_of(client.get("/search?near=10025&per_page=2"))
    # Nothing is counted beyond the page: the first page knows only that more follow.
    assert "More than 2 clinicians" in body and "Page 1" in body and "Page 1 of" not in body and "page=2" in body
    last = text_of(client.get("/search?near=10025&per_page=2&page=2"))
    assert "Pager2" in last and "3 clinicians" in last and "Page 2 of 2" in last and "Next" not in last


def test_profile_shows_everything_and_distances_from_the_search(client, make_provider):
    provider = make_provider(
        first_name="Ada", last_name="Quillfeather", credentials="PhD", npi="1234567893",
        statement="First paragraph.\n\nSecond <b>paragraph</b>.",
        modalities=["psychodynamic"], frequencies=["weekly", "several-weekly"], concerns=["depression"],
        insurance=["aetna"], languages=["en", "es"], age_groups=["adults"], treatment_lengths=["long-term"],
        telehealth=True, sliding_scale=True, website="https://example.org/ada",
        offices=[{"lat": 40.8, "lng": -73.96, "zip": "10025", "city": "New York", "state": "NY", "address1": "215 Elm Street"}],
        licenses=["NY", "NJ"],
    )
    body = text_of(client.get(f"/providers/{provider.id}?near=10025"))
    for expected in ["Ada Quillfeather, PhD", "Psychologist", "<p>First paragraph.</p>",
                     "Second &lt;b&gt;paragraph&lt;/b&gt;.", "Psychodynamic Therapy", "Several times a week, Weekly",
                     "Depression", "Aetna", "English, Spanish", "Adults (18–64)", "Long-term / open-ended",
                     "215 Elm Street", "New York, NY 10025", "from New York, NY 10025", "NPI", "1234567893",
                     "NJ #", "NY #", "Telehealth for people in: NJ, NY", "Sliding scale</dt>", "Standard fee</dt>", "$160", "(212) 555-0100"]:
        assert expected in body, expected


def test_hidden_listings_have_no_profile(client, make_provider):
    pending = make_provider(listing_status="pending")
    assert client.get(f"/providers/{pending.id}").status_code == 404


def test_guide_renders_every_section_and_the_references(client):
    body = text_of(client.get("/therapies/psychodynamic"))
    for heading in ["What it is", "Who needs it", "How it works", "Where to go", "What to expect", "What could happen"]:
        assert f">{heading}</h2>" in body
    assert "therapeutic alliance" in body
    assert "Krupnick JL" in body and "Leichsenring F" in body and "Gabbard GO" in body and "Hales, R" in body


def test_guide_where_to_go_leads_into_filtered_search(client):
    body = client.get("/therapies/psychodynamic").get_data(as_text=True)
    where = body[body.index('id="where-to-go"'):body.index('id="what-to-expect"')]
    assert 'action="/search"' in where
    assert 'name="modality" value="psychodynamic"' in where and 'name="modality" value="psychoanalytic"' in where
    assert 'name="near"' in where


def test_therapies_list_every_modality_with_a_search_link(client):
    body = client.get("/therapies/").get_data(as_text=True)
    assert body.count('class="card"') == 36
    assert "/search?modality=emdr" in body and "/search?modality=medication-management" in body


def test_home_offers_search_and_guide(client):
    body = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in body and "/therapies/psychodynamic" in body


def test_privacy_headers(client):
    response = client.get("/search")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("url", ["/", "/search?near=10025&modality=psychodynamic", "/therapies/psychodynamic", "/check/phq-9"])
def test_searching_sets_no_cookie(client, url, make_provider):
    make_provider()
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
