"""The results page says how it orders results, and links numbered pages that keep the search."""
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from referral.services.search import SearchPage
from referral.services.search_params import SearchCriteria


def pager_links(body: str) -> list[tuple[str, dict, bool]]:
    """Each link of the pager: its text as read aloud, its query and whether it marks the current page."""
    nav = re.search(r'<nav class="pager".*?</nav>', body, re.S)
    if nav is None:
        return []
    links = []
    for match in re.finditer(r'<a ([^>]*)>(.*?)</a>', nav.group(0), re.S):
        attributes, text = match.groups()
        href = unescape(re.search(r'href="([^"]*)"', attributes).group(1))
        text = re.sub(r'<span aria-hidden="true">.*?</span>', "", text)
        links.append((" ".join(re.sub(r"<[^>]+>", "", text).split()), parse_qs(urlsplit(href).query),
                      'aria-current="page"' in attributes))
    return links


def page_of(page: int, total: int, exact: bool, per_page: int = 10) -> SearchPage:
    return SearchPage(SearchCriteria(page=page, per_page=per_page), [], total, exact)


@pytest.mark.parametrize(("page", "total", "exact", "numbers"), [
    (1, 10, True, [1]),
    (1, 10, False, [1, 2]),  # more follow: the next page is known to hold results, not how many after it
    (6, 60, False, [1, None, 4, 5, 6, 7]),
    (4, 100, True, [1, 2, 3, 4, 5, 6, None, 10]),  # a gap of one page shows the page
    (10, 100, True, [1, None, 8, 9, 10]),
    (3, 25, True, [1, 2, 3]),
])
def test_page_numbers_are_a_window_around_this_page_within_the_pages_known(page, total, exact, numbers):
    assert page_of(page, total, exact).page_numbers() == numbers


def test_the_note_says_how_best_match_orders(client, make_provider):
    make_provider(last_name="Quillon")
    body = " ".join(client.get("/search?near=10025").get_data(as_text=True).split())
    assert ("Best match: nearest mile first. Within each mile, clinicians accepting new patients (confirmed in the "
            "last 45 days) come first, then those whose availability is not confirmed, then those not accepting new "
            "patients; nearer before farther within each group.") in body
    nearest = " ".join(client.get("/search?near=10025&sort=distance").get_data(as_text=True).split())
    assert "Nearest first." in nearest and "Within each mile" not in nearest
    unlocated = " ".join(client.get("/search?q=Quillon").get_data(as_text=True).split())
    assert ("Best match: clinicians accepting new patients (confirmed in the last 45 days) come first, then those "
            "whose availability is not confirmed, then those not accepting new patients; by name within each group.") in unlocated


def test_the_note_follows_the_configured_window(app, client, make_provider):
    app.config["AVAILABILITY_STALE_DAYS"] = 30
    make_provider(last_name="Quillon")
    assert "confirmed in the last 30 days" in client.get("/search?near=10025").get_data(as_text=True)


def test_pages_are_numbered_keep_the_search_and_stop_at_the_last(client, make_provider):
    for number in range(7):
        make_provider(last_name=f"Pager{number}", telehealth=True)
    search = "/search?near=10025&telehealth=true&per_page=2"

    first = pager_links(client.get(search).get_data(as_text=True))
    # Only one row past the page was fetched: page 2 is known to exist, nothing beyond it.
    assert [(text, current) for text, _, current in first] == [("Page 1", True), ("Page 2", False), ("Next page", False)]
    for _, query, _ in first:
        assert query["near"] == ["10025"] and query["telehealth"] == ["true"] and query["per_page"] == ["2"]
    assert [query["page"] for _, query, _ in first] == [["1"], ["2"], ["2"]]

    last = client.get(search + "&page=4").get_data(as_text=True)
    links = pager_links(last)
    assert [(text, current) for text, _, current in links] == [
        ("Previous page", False), ("Page 1", False), ("Page 2", False), ("Page 3", False), ("Page 4", True)]
    assert [query["page"] for _, query, _ in links] == [["3"], ["1"], ["2"], ["3"], ["4"]]
    assert all(query["telehealth"] == ["true"] for _, query, _ in links)
    assert "Page 4 of 4" in last and 'rel="next"' not in last


def test_a_single_page_has_no_pager(client, make_provider):
    make_provider(last_name="Alone")
    assert pager_links(client.get("/search?near=10025").get_data(as_text=True)) == []


def test_a_page_past_the_end_links_no_pages(client, make_provider):
    make_provider(last_name="Alone")
    response = client.get("/search?near=10025&page=3")
    assert response.status_code == 400 and pager_links(response.get_data(as_text=True)) == []
