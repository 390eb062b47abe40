"""Phone first: results before a closed "Filters (n)" disclosure, empty values that are no filter, a favicon."""
import csv
import io
import re

import pytest
from werkzeug.datastructures import MultiDict

from referral.services.search_params import given

EMPTIES = "&frequency=&modality=&max_fee=&q=+&accepting=&sort=&radius=&page=&state=&lat=&lng="


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def filters_panel(body: str) -> str:
    """The opening tag and summary of the page's "Filters" disclosure."""
    return re.search(r'<details class="filters"[^>]*>\s*<summary>.*?</summary>', body).group(0)


@pytest.fixture
def two_providers(make_provider):
    return [make_provider(last_name="Weeklyson", modalities=["psychodynamic"], frequencies=["weekly"]),
            make_provider(last_name="Monthlyson", modalities=["cbt"], frequencies=["monthly"])]


def test_given_drops_empty_and_blank_values_and_trims_the_rest():
    assert given(MultiDict([("near", " 10025 "), ("frequency", ""), ("modality", "  "), ("modality", "cbt")])) == \
        MultiDict([("near", "10025"), ("modality", "cbt")])
    assert given({"near": "", "lat": None, "modality": ["", "cbt"]}) == MultiDict([("modality", "cbt")])


def test_empty_values_are_no_filter_on_the_page(client, two_providers):
    response = client.get("/search?near=10025&modality=psychodynamic" + EMPTIES)
    assert response.status_code == 200
    body = text_of(response)
    assert "Weeklyson" in body and "Monthlyson" not in body
    assert "1 clinician within 25 miles of New York, NY 10025" in body
    assert 'Filters <span class="count">(1)</span>' in filters_panel(body)
    assert "Session frequencies</summary>" in body  # no count beside a group with nothing ticked
    assert "<details class=\"filter-group\" open" not in body


def test_the_home_form_as_sent_searches_as_asked(client, two_providers):
    body = text_of(client.get("/search?near=10025&modality=psychodynamic&frequency=&accepting=true"))
    assert "Weeklyson" in body and "Monthlyson" not in body
    assert 'Filters <span class="count">(2)</span>' in filters_panel(body)


def test_empty_values_are_no_filter_on_the_api(client, two_providers):
    plain = client.get("/api/v1/providers?near=10025&modality=psychodynamic")
    with_empties = client.get("/api/v1/providers?near=10025&modality=psychodynamic" + EMPTIES)
    assert with_empties.status_code == 200
    assert with_empties.get_json() == plain.get_json()
    assert [r["name"].split()[-1] for r in plain.get_json()["results"]] == ["Weeklyson"]


def test_empty_values_are_no_filter_in_the_csv_export(client, two_providers):
    response = client.get("/api/v1/providers.csv?near=10025&modality=psychodynamic" + EMPTIES)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["id"] for row in rows] == [str(two_providers[0].id)]


def test_an_unknown_parameter_is_refused_on_the_api_even_when_empty(client):
    response = client.get("/api/v1/providers?near=10025&frequncy=")
    assert response.status_code == 400
    assert "frequncy" in response.get_data(as_text=True)


def test_with_results_the_filters_are_closed_and_counted_and_results_can_be_skipped_to(client, two_providers):
    body = text_of(client.get("/search?near=10025&modality=psychodynamic&modality=cbt&frequency=weekly&max_fee=300"))
    panel = filters_panel(body)
    assert " open" not in panel and 'Filters <span class="count">(4)</span>' in panel
    assert "<details class=\"filter-group\" open" not in body
    assert 'Therapy approaches <span class="count">(2)</span>' in body
    assert 'Fee and keyword <span class="count">(1)</span>' in body
    assert '<a class="skip-link" href="#results">Skip to results</a>' in body
    assert '<section class="results" id="results" tabindex="-1"' in body
    # The filters come before the results in the page, so that the order read and tabbed is the order shown.
    assert body.index('class="filters"') < body.index('id="results"')


def test_without_results_the_filters_are_open_and_there_is_nothing_to_skip_to(client):
    body = text_of(client.get("/search"))
    assert " open" in filters_panel(body)
    assert "Skip to results" not in body


def test_a_filter_with_an_error_opens_its_group(client):
    response = client.get("/search?near=10025&modality=telepathy")
    assert response.status_code == 400
    body = text_of(response)
    assert " open" in filters_panel(body)
    assert re.search(r'<details class="filter-group" open>\s*<summary>Therapy approaches', body)


def test_each_id_is_used_once_on_the_results_page(client, two_providers):
    body = client.get("/search?near=10025&modality=psychodynamic").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids))


def test_the_favicon_is_linked_and_served_by_the_app(client):
    body = client.get("/").get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', body)
    assert link and link.group(1) == "/static/favicon.svg"
    for url in (link.group(1), "/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).startswith("<svg")
