"""The directory in Spanish: a complete catalogue, every page under /es in Spanish, the language chosen by URL alone."""
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from route_walk import get_routes

from cookie_pages import FORM_PAGES, sends_to_sign_in

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
MACHINE_BLUEPRINTS = ("api.", "api_docs.openapi", "fhir.", "hsds.", "export.", "health.")


def spanish_catalogue():
    """The Spanish catalogue as committed."""
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="es")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Every message marked in the code, templates and reference lists, as `make messages` gathers them."""
    pot = tmp_path_factory.mktemp("messages") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "N_", "-o", str(pot), "."],
                   cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT)}, capture_output=True)
    with pot.open("rb") as handle:
        return read_po(handle)


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not all(strings) or message.fuzzy


def test_every_marked_message_has_a_spanish_translation(extracted):
    catalogue = spanish_catalogue()
    missing = [message.id for message in extracted if message.id and (
        catalogue.get(message.id) is None or _untranslated(catalogue.get(message.id)))]
    assert missing == [], f"{len(missing)} messages without Spanish (run `make messages`, then translate): {missing[:10]}"


def test_the_spanish_catalogue_keeps_every_placeholder():
    problems = [(message.id, [str(error) for error in errors]) for message, errors in spanish_catalogue().check()]
    assert problems == []


class _PageText(HTMLParser):
    """A page's visible text outside elements that name their own language (and outside scripts)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth_of_other_language: list[str] = []
        self.skipping: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style") or (tag != "html" and "lang" in attributes):
            self.skipping.append(tag)
        elif self.skipping and tag == self.skipping[-1]:
            self.skipping.append(tag)
        for name in ("alt", "title", "aria-label", "placeholder"):
            if not self.skipping and attributes.get(name):
                self.text.append(attributes[name])

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.text.append(data)


def page_text(html: str) -> str:
    """What a reader of the page's own language reads, whitespace collapsed."""
    parser = _PageText()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


@pytest.fixture(scope="module")
def english_sentences():
    """English messages of three words or more whose Spanish differs: none may show on a Spanish page."""
    sentences = []
    for message in spanish_catalogue():
        if not message.id or isinstance(message.id, tuple) or re.search(r"[<%{]", message.id):
            continue
        if len(message.id.split()) >= 3 and message.string and message.string != message.id:
            sentences.append(unescape(message.id))
    return sentences


def assert_spanish(path: str, response, english_sentences) -> None:
    """An HTML page in Spanish: html lang="es" and no English sentence of the catalogue on it."""
    html = response.get_data(as_text=True)
    assert '<html lang="es">' in html, f"{path} is not marked Spanish"
    text = page_text(html)
    left_in_english = [sentence for sentence in english_sentences if sentence in text]
    assert left_in_english == [], f"{path} shows English: {left_in_english[:5]}"


@pytest.fixture
def listed(make_user, make_provider):
    owner = make_user(email="dr.owner@example.org")
    return make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", source="owner",
                         modalities=["psychodynamic"], first_name="Odile", last_name="Marchbank")


def _walk(app, client, provider, english_sentences, signed_in: bool) -> list[str]:
    visited = []
    for endpoint, path in get_routes(app, provider):
        if endpoint.startswith(MACHINE_BLUEPRINTS):
            continue
        response = (client if signed_in else app.test_client()).get("/es" + path)
        response.close()
        assert response.status_code < 500, f"GET /es{path}: {response.status_code}"
        visited.append(endpoint)
        location = response.headers.get("Location", "")
        if 300 <= response.status_code < 400:
            assert location.startswith("/es/") or "://" in location and "/es/" in location, (path, location)
            continue
        if not signed_in and endpoint not in FORM_PAGES and not sends_to_sign_in(response.status_code, location):
            assert "Set-Cookie" not in response.headers, f"/es{path} set a cookie"
        if response.mimetype == "text/html":
            assert_spanish("/es" + path, response, english_sentences)
    return visited


def test_every_public_page_is_in_spanish_under_es(app, client, listed, english_sentences):
    visited = _walk(app, client, listed, english_sentences, signed_in=False)
    assert {"providers.profile", "checks.check", "search.search", "main.home", "guides.psychodynamic"} <= set(visited)


@pytest.mark.parametrize("role", ["provider", "referrer", "admin"])
def test_every_page_a_signed_in_user_reaches_is_in_spanish(app, client, listed, make_user, login, role,
                                                          english_sentences):
    user = make_user(role=role)
    login(client, user)
    _walk(app, client, listed, english_sentences, signed_in=True)


def test_searching_in_spanish_shows_spanish_results_and_labels(client, listed, english_sentences):
    response = client.get("/es/search?near=10025&modality=psychodynamic")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Marchbank" in html
    assert "Terapia psicodinámica" in html
    assert_spanish("/es/search", response, english_sentences)
