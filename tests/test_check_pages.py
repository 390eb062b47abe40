"""Self-check pages and the treatment-options page: what a visitor sees, and that nothing is kept."""
import logging
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from referral.extensions import db
from referral.services.screeners import GAD7, PHQ9

SUGGESTION_HEADER = "Where to find help"


class PageParser(HTMLParser):
    """Collects the links, the GET forms (with their hidden inputs) and the fieldsets of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.fieldsets: list[dict] = []
        self._form = None
        self._fieldset = None
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": attrs.get("method", "get"), "action": attrs.get("action", ""), "hidden": [], "inputs": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            if attrs.get("type") == "hidden":
                self._form["hidden"].append((attrs.get("name"), attrs.get("value", "")))
            else:
                self._form["inputs"].append(attrs)
        elif tag == "fieldset":
            self._fieldset = {"legend": "", "radios": [], "attrs": attrs, "errors": ""}
            self.fieldsets.append(self._fieldset)
        elif tag == "legend":
            self._in_legend = True
        if tag == "input" and self._fieldset is not None and attrs.get("type") == "radio":
            self._fieldset["radios"].append(attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "fieldset":
            self._fieldset = None
        elif tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._fieldset is not None and self._in_legend:
            self._fieldset["legend"] += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def answers(instrument, values) -> dict[str, str]:
    return {name: str(v) for name, v in zip(instrument.field_names, values)}


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def suggestion_searches(html: str) -> list[dict[str, list[str]]]:
    """The filters of each suggestion's search form on a result page."""
    page = parse(html)
    searches = []
    for form in page.forms:
        if form["method"].lower() == "get" and form["action"] == "/search":
            grouped: dict[str, list[str]] = {}
            for name, value in form["hidden"]:
                grouped.setdefault(name, []).append(value)
            assert [i.get("name") for i in form["inputs"]] == ["near"]
            searches.append(grouped)
    return searches


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_questionnaire_page(client, instrument):
    response = client.get(f"/check/{instrument.slug}/questions")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    page = parse(html)
    questions = page.fieldsets[: len(instrument.items)]
    for number, (fieldset, item) in enumerate(zip(questions, instrument.items), start=1):
        assert re.sub(r"\s+", " ", fieldset["legend"]).strip() == f"{number} of {len(instrument.items)}. {item}"
        assert [r["value"] for r in fieldset["radios"]] == ["0", "1", "2", "3"]
        assert {r["name"] for r in fieldset["radios"]} == {f"q{number}"}
        assert not any("checked" in r for r in fieldset["radios"])
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert html.count(f">{label}</label>") == len(instrument.items)
    text = text_of(html)
    assert instrument.stem in text
    assert "screening, not a diagnosis" in text
    assert "educational grant from Pfizer" in text and "No permission required to reproduce" in text
    assert ("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9" in text) is (instrument is PHQ9)
    assert ("Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure" in text) is (instrument is GAD7)
    assert f'<form class="check-form" method="post" action="/check/{instrument.slug}"' in html


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_introduction_page_leads_to_the_questions(client, instrument):
    response = client.get(f"/check/{instrument.slug}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    page = parse(html)
    assert f"/check/{instrument.slug}/questions" in page.links and not page.forms and not page.fieldsets
    text = text_of(html)
    assert instrument.title in text and "screening, not a diagnosis" in text and "nothing is stored" in text


def test_index_and_unknown_check(client):
    response = client.get("/check")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    links = parse(response.get_data(as_text=True)).links
    assert "/check/phq-9" in links and "/check/gad-7" in links and "/therapies/options" in links
    missing = client.get("/check/phq-10")
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"


def test_result_without_crisis(client):
    response = client.post("/check/phq-9", data=answers(PHQ9, [2, 2, 1, 2, 1, 1, 1, 1, 0]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "11 out of 27" in text
    assert "Moderate depression symptoms" in text
    assert "This is a screening, not a diagnosis." in text
    assert 'role="alert"' not in html
    assert "Please reach out for support now" not in text


@pytest.mark.parametrize("value", [1, 2, 3])
def test_crisis_block_comes_before_the_score(client, value):
    html = client.post("/check/phq-9", data=answers(PHQ9, [0] * 8 + [value])).get_data(as_text=True)
    alert = html.index('role="alert"')
    assert alert < html.index("score-number") < html.index(SUGGESTION_HEADER)
    assert html.index("<h1") > alert  # first thing in the page's content
    crisis = html[alert: html.index("</section>", alert)]
    for target in ('href="tel:988"', 'href="sms:988"', "988lifeline.org/chat", 'href="tel:911"'):
        assert target in crisis
    assert f"{value} out of 27" in text_of(html)


def test_no_crisis_block_when_item_nine_is_not_at_all(client):
    html = client.post("/check/phq-9", data=answers(PHQ9, [3] * 8 + [0])).get_data(as_text=True)
    assert "24 out of 27" in text_of(html)
    assert 'role="alert"' not in html


def test_gad7_result(client):
    html = client.post("/check/gad-7", data=answers(GAD7, [3, 3, 3, 2, 2, 2, 1])).get_data(as_text=True)
    text = text_of(html)
    assert "16 out of 21" in text and "Severe anxiety symptoms" in text
    assert 'role="alert"' not in html


def test_moderate_phq9_links_carry_the_filters(client):
    html = client.post("/check/phq-9", data=answers(PHQ9, [2, 2, 2, 2, 2, 0, 0, 0, 0])).get_data(as_text=True)
    searches = suggestion_searches(html)
    assert {"condition": ["depression"], "accepting": ["true"]} in searches
    assert {"condition": ["depression"], "type": ["psychiatrist", "psychiatric-nurse-practitioner"],
            "accepting": ["true"]} in searches
    assert {"condition": ["depression"], "modality": ["psychodynamic", "psychoanalytic"], "accepting": ["true"]} in searches
    links = [parse_qs(urlsplit(h).query) for h in parse(html).links if h.startswith("/search?")]
    assert {"condition": ["depression"], "type": ["psychiatrist", "psychiatric-nurse-practitioner"],
            "accepting": ["true"]} in links
    assert "evaluation" in text_of(html).lower() and "primary-care clinician" in text_of(html)


def test_mild_gad7_links_and_no_answers_in_any_url(client):
    html = client.post("/check/gad-7", data=answers(GAD7, [1, 1, 1, 1, 1, 1, 1])).get_data(as_text=True)
    searches = suggestion_searches(html)
    assert searches and all(s["condition"] == ["anxiety"] for s in searches)
    assert not any("type" in s for s in searches)
    page = parse(html)
    urls = page.links + [f["action"] for f in page.forms]
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        assert not set(query) & {"q1", "q7", "score", "difficulty", "band"}, url
        assert not any("7" == v for values in query.values() for v in values), url


def test_crisis_result_suggests_clinicians_for_suicidal_thoughts(client):
    html = client.post("/check/phq-9", data=answers(PHQ9, [0] * 8 + [1])).get_data(as_text=True)
    assert suggestion_searches(html)[0] == {"condition": ["suicidal"], "accepting": ["true"]}


def test_suggestion_search_finds_the_matching_provider(client, app, make_provider, fake_geocoder):
    app.extensions["geocoder"] = fake_geocoder
    make_provider(last_name="Depressionfinder", concerns=["depression"], type="psychiatrist")
    make_provider(last_name="Anxietyonly", concerns=["anxiety"], type="psychiatrist")
    html = client.post("/check/phq-9", data=answers(PHQ9, [3, 3, 2, 2, 2, 1, 1, 1, 0])).get_data(as_text=True)
    evaluation = next(s for s in suggestion_searches(html) if "type" in s)
    results = client.get("/search", query_string={**evaluation, "near": "10025"})
    assert results.status_code == 200
    text = text_of(results.get_data(as_text=True))
    assert "Depressionfinder" in text and "Anxietyonly" not in text


def test_incomplete_answers_keep_the_others(client):
    posted = answers(PHQ9, [1, 2, 3, 0, 1, 2, 3, 0, 0])
    del posted["q3"], posted["q8"]
    response = client.post("/check/phq-9", data=posted)
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    page = parse(html)
    by_name = {fs["radios"][0]["name"]: fs for fs in page.fieldsets if fs["radios"]}
    for name in ("q3", "q8"):
        assert by_name[name]["attrs"].get("aria-describedby") == f"{name}-error"
        block = html[html.index(f'name="{name}"') - 600: html.index(f'name="{name}"')]
        assert f'id="{name}-error"' in block and "Choose one answer for this question." in block
    for name, value in posted.items():
        checked = [r["value"] for r in by_name[name]["radios"] if "checked" in r]
        assert checked == [value], name
        assert "aria-describedby" not in by_name[name]["attrs"]
    assert 'href="#q3-0"' in html and 'href="#q8-0"' in html
    assert "out of 27" not in html


def test_expired_csrf_token_keeps_the_answers(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    posted = answers(GAD7, [1, 2, 3, 0, 1, 2, 3])
    response = client.post("/check/gad-7", data=posted)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your answers are still here" in html
    assert 'id="q3-3"' in html and re.search(r'<input checked id="q3-3"', html)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    ok = client.post("/check/gad-7", data={**posted, "csrf_token": token})
    assert ok.status_code == 200 and "12 out of 21" in text_of(ok.get_data(as_text=True))


def test_nothing_is_stored_or_logged(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "sqlalchemy", app.logger.name):
        caplog.set_level(logging.DEBUG, logger=name)
    with app.app_context():
        before = row_counts()
    posted = {**answers(PHQ9, [3, 3, 3, 2, 2, 2, 1, 1, 2]), "difficulty": "2"}  # score 19
    html = client.post("/check/phq-9", data=posted).get_data(as_text=True)
    assert "19 out of 27" in text_of(html)
    client.post("/check/gad-7", data=answers(GAD7, [3, 3, 3, 3, 3, 2]))  # incomplete
    with app.app_context():
        assert row_counts() == before
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for needle in ("q1", "q9", "difficulty", "Several days", "Nearly every day", "Moderately severe",
                   "Very difficult", "out of 27"):
        assert needle not in logged
    assert not re.search(r"\b19\b", logged)


def test_treatment_options_page(client):
    response = client.get("/therapies/options")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "Types of treatment options" in text
    links = parse(html).links
    for slug in ("cbt", "psychodynamic", "emdr", "ipt", "family-systems", "group"):
        assert f"/therapies/{slug}" in links
    for label in ("Cognitive and behavioral therapies", "Psychodynamic and psychoanalytic therapies",
                  "Trauma-focused therapies", "Couples and family therapies"):
        assert label in text
    assert "/search?type=psychiatrist&type=psychiatric-nurse-practitioner" in links
    family_searches = [parse_qs(urlsplit(h).query) for h in links if h.startswith("/search?modality=")]
    assert {"modality": ["psychodynamic", "psychoanalytic", "mbt", "tfp"]} in family_searches
    assert not any("medication-management" in q.get("modality", []) for q in family_searches)
    assert ("Patients undergoing psychodynamic therapy show better responses to psychiatric medications "
            "than patients receiving only medication.") in text
    assert "Krupnick JL, Sotsky SM, Simmens S, et al. (1996)" in text
    assert "/check" in links


def test_options_route_wins_over_the_modality_catch_all(app, client):
    assert app.url_map.bind("localhost").match("/therapies/options")[0] == "checks.treatment_options"
    assert client.get("/therapies/cbt").status_code == 200
    assert client.get("/therapies/no-such-approach").status_code == 404


def test_guide_and_home_lead_to_the_checks(client):
    guide = client.get("/therapies/psychodynamic").get_data(as_text=True)
    assert re.search(r'<a href="/check">Wondering about a possible disorder but not sure\? Let’s explore your symptoms\.</a>', guide)
    assert 'href="/therapies/options"' in guide
    home = parse(client.get("/").get_data(as_text=True)).links
    assert "/check" in home and "/therapies/options" in home
