"""Choosing the language: the URL names it (/es), the home page alone redirects by Accept-Language, nothing is stored."""
import re

import pytest

SPANISH_BROWSER = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def switch_link(html: str) -> str:
    """The href of the language switch."""
    return re.search(r'class="language-switch"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_the_bare_home_page_sends_a_spanish_browser_to_es_and_says_it_varies(client):
    response = client.get("/", headers=SPANISH_BROWSER)
    assert response.status_code == 302 and response.headers["Location"] == "/es/"
    assert "Accept-Language" in response.headers["Vary"] and "Set-Cookie" not in response.headers
    english = client.get("/", headers=ENGLISH_BROWSER)
    assert english.status_code == 200 and '<html lang="en">' in english.get_data(as_text=True)
    assert "Accept-Language" in english.headers["Vary"]


def test_asking_for_english_on_the_home_page_is_not_overridden_by_the_browser(client):
    response = client.get("/?lang=en", headers=SPANISH_BROWSER)
    assert response.status_code == 200 and '<html lang="en">' in response.get_data(as_text=True)
    spanish_home = client.get("/es/", headers=SPANISH_BROWSER).get_data(as_text=True)
    assert switch_link(spanish_home) == "/?lang=en"


def test_no_other_page_redirects_by_browser_language(client):
    response = client.get("/search?near=10025", headers=SPANISH_BROWSER)
    assert response.status_code == 200 and '<html lang="en">' in response.get_data(as_text=True)
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_the_switch_keeps_the_page_and_the_search_and_sets_no_cookie(client, make_provider):
    make_provider(modalities=["psychodynamic"], last_name="Halloway")
    query = "/search?near=10025&modality=psychodynamic&frequency=weekly&sort=distance"
    english = client.get(query)
    to_spanish = switch_link(english.get_data(as_text=True))
    assert to_spanish == "/es" + query
    spanish = client.get(to_spanish)
    html = spanish.get_data(as_text=True)
    assert spanish.status_code == 200 and '<html lang="es">' in html and "Halloway" in html
    assert re.search(r'<input[^>]*(value="psychodynamic"[^>]*checked|checked[^>]*value="psychodynamic")', html)
    assert switch_link(html) == query
    assert "Set-Cookie" not in english.headers and "Set-Cookie" not in spanish.headers


def test_links_forms_and_pages_under_es_stay_in_spanish(client, make_provider):
    provider = make_provider()
    html = client.get(f"/es/providers/{provider.id}").get_data(as_text=True)
    assert 'href="/es/search' in html and f'action="/es/providers/{provider.id}' in html or 'href="/es/' in html
    assert '<html lang="es">' in html
    assert 'href="/static/css/site.css"' in html  # static files have one URL in every language
    not_found = client.get("/es/no-such-page")
    assert not_found.status_code == 404 and '<html lang="es">' in not_found.get_data(as_text=True)


def test_every_page_names_its_alternates_as_absolute_urls(app, client):
    html = client.get("/es/search?near=10025").get_data(as_text=True)
    root = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert f'hreflang="en" href="{root}/search?near=10025"' in html
    assert f'hreflang="es" href="{root}/es/search?near=10025"' in html
    assert f'hreflang="x-default" href="{root}/search?near=10025"' in html
    home = client.get("/es/").get_data(as_text=True)
    assert f'hreflang="x-default" href="{root}/"' in home and f'hreflang="en" href="{root}/?lang=en"' in home


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_every_page_says_in_both_languages_that_988_answers_in_spanish(client, prefix):
    html = client.get(prefix + "/search").get_data(as_text=True)
    assert "oprima 2" in html and "press 2" in html and 'href="tel:988"' in html


def test_a_path_that_only_begins_with_es_is_not_spanish(client):
    assert client.get("/essay").status_code == 404
    assert '<html lang="en">' in client.get("/essay").get_data(as_text=True)


@pytest.mark.parametrize("header, expected", [
    ("es-419,en;q=0.5", "/es/"), ("es-MX", "/es/"), ("en-GB,es;q=0.8", None), ("fr-FR,es;q=0.7,en;q=0.6", "/es/"),
    ("*", None), ("", None), ("x" * 5000, None), ("es;q=0,en", None), ("ES-us", "/es/"),
])
def test_the_home_page_reads_accept_language_by_quality_and_any_region(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert (response.headers.get("Location") if response.status_code == 302 else None) == expected
