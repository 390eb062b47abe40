"""CSV exports: a search at /api/v1/providers.csv, and the whole directory for admins at /admin/export.csv."""
import csv
import io

import pytest

from referral.models import LISTING_PENDING
from referral.services.errors import PermissionDenied
from referral.services.export import ADMIN_COLUMNS, SEARCH_COLUMNS, directory_csv
from referral.services.search import AvailabilityRules

BOISE = {"address1": "5 Main Street", "city": "Boise", "state": "ID", "zip": "83702", "lat": 43.6328, "lng": -116.2035}


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def get_csv(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    return rows_of(response.get_data(as_text=True))


@pytest.fixture
def directory(make_provider):
    return [
        make_provider(first_name="Ada", last_name="Quarrington", modalities=["psychodynamic"], insurance=["aetna"]),
        make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist"),
        make_provider(first_name="Cy", last_name="Adaire", offices=[BOISE]),
        make_provider(first_name="Dee", last_name="Rowntree", listing_status=LISTING_PENDING),
    ]


def test_search_csv_has_one_row_per_match_in_search_order(client, directory):
    rows = get_csv(client, "/api/v1/providers.csv?near=10025")
    expected = [r["id"] for r in client.get("/api/v1/providers?near=10025").get_json()["results"]]
    assert [row["id"] for row in rows] == [str(i) for i in expected]
    assert len(rows) == 2  # Boise is too far; the pending listing is not public
    assert list(rows[0]) == list(SEARCH_COLUMNS)
    ada = next(row for row in rows if row["last_name"] == "Quarrington")
    assert (ada["modalities"], ada["insurance"], ada["city"], ada["accepting_new_patients"]) == (
        "psychodynamic", "aetna", "New York", "yes")
    assert ada["distance_miles"] == "0.0"
    assert ada["profile_url"].endswith(f"/providers/{directory[0].id}")


def test_search_csv_takes_the_same_filters(client, directory):
    rows = get_csv(client, "/api/v1/providers.csv?type=psychiatrist")
    assert [row["last_name"] for row in rows] == ["Quillfeather"]
    everyone = get_csv(client, "/api/v1/providers.csv")
    assert sorted(row["last_name"] for row in everyone) == ["Adaire", "Quarrington", "Quillfeather"]


def test_search_csv_with_page_gives_only_that_page(client, directory):
    first = get_csv(client, "/api/v1/providers.csv?per_page=2")
    second = get_csv(client, "/api/v1/providers.csv?per_page=2&page=2")
    assert len(first) == 2 and len(second) == 1
    assert {r["id"] for r in first} | {r["id"] for r in second} == {str(p.id) for p in directory[:3]}


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/providers.csv?colour=blue", "colour"),
    ("/api/v1/providers.csv?radius=0", "radius"),
    ("/api/v1/providers.csv?type=wizard", "type"),
    ("/api/v1/providers.csv?page=9&per_page=2", "page"),
])
def test_search_csv_refuses_bad_parameters(client, directory, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_cells_that_would_run_as_formulas_are_defused(client, make_provider):
    make_provider(first_name="=HYPERLINK(\"http://evil\")", last_name="Quarrington")
    rows = get_csv(client, "/api/v1/providers.csv")
    assert rows[0]["first_name"] == "'=HYPERLINK(\"http://evil\")"


def _export(actor) -> list[dict]:
    lines = directory_csv(actor, rules=AvailabilityRules(), profile_url=lambda pid: f"https://x.test/providers/{pid}", batch=2)
    return rows_of("".join(lines))


def test_directory_export_lists_every_listing_for_admins(app_ctx, directory, make_user):
    admin = make_user(role="admin")
    rows = _export(admin)
    assert list(rows[0]) == list(ADMIN_COLUMNS)
    assert [row["id"] for row in rows] == [str(p.id) for p in directory]  # in id order, across batches of 2
    assert [row["listing_status"] for row in rows][-1] == LISTING_PENDING


@pytest.mark.parametrize("role", ["provider", "referrer", None])
def test_directory_export_is_for_admins_only(app_ctx, directory, make_user, role):
    actor = make_user(role=role) if role else None
    with pytest.raises(PermissionDenied):
        directory_csv(actor, rules=AvailabilityRules(), profile_url=str)


def test_admin_export_page(client, directory, make_user, login):
    login(client, make_user(role="admin"))
    rows = get_csv(client, "/admin/export.csv")
    assert len(rows) == 4
    response = client.get("/admin/export.csv")
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("role", ["provider", "referrer"])
def test_admin_export_page_refuses_other_roles(client, directory, make_user, login, role):
    login(client, make_user(role=role))
    assert client.get("/admin/export.csv").status_code == 403


def test_admin_export_page_sends_visitors_to_log_in(client, directory):
    response = client.get("/admin/export.csv")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


UTF8_BOM = b"\xef\xbb\xbf"  # U+FEFF encoded in UTF-8 (the Unicode Standard, section 23.8)


@pytest.fixture
def accented(make_provider):
    return [make_provider(first_name="João", last_name="São Paulo"), make_provider(first_name="Zoë", last_name="Brontë")]


@pytest.mark.parametrize("url", ["/api/v1/providers.csv?near=10025", "/api/v1/providers.csv?per_page=1&page=2"])
def test_bom_true_puts_one_byte_order_mark_before_the_same_body(client, accented, url):
    plain = client.get(url).get_data()
    marked = client.get(url + "&bom=true")
    assert marked.status_code == 200 and marked.is_streamed
    assert marked.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    body = marked.get_data()
    assert body.startswith(UTF8_BOM) and not body[len(UTF8_BOM):].startswith(UTF8_BOM)
    assert body.count("\ufeff".encode()) == 1
    assert body[len(UTF8_BOM):] == plain
    assert not plain.startswith(UTF8_BOM)
    names = {(row["first_name"], row["last_name"]) for row in rows_of(body[len(UTF8_BOM):].decode("utf-8"))}
    assert names <= {("João", "São Paulo"), ("Zoë", "Brontë")} and names


@pytest.mark.parametrize("value", ["false", "0", "no", "off", ""])
def test_bom_false_or_empty_sends_no_mark(client, accented, value):
    response = client.get(f"/api/v1/providers.csv?bom={value}")
    assert response.status_code == 200
    assert response.get_data().startswith(b"id,")


@pytest.mark.parametrize("value", ["maybe", "2", "excel", "truee"])
def test_a_bad_bom_value_is_refused_naming_bom(client, accented, value, make_user, login):
    response = client.get(f"/api/v1/providers.csv?near=10025&bom={value}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "bom"
    assert client.get(f"/api/v1/providers?bom={value}").get_json()["error"]["parameter"] == "bom"  # not a JSON parameter
    login(client, make_user(role="admin"))
    page = client.get(f"/admin/export.csv?bom={value}")
    assert page.status_code == 400 and "bom must be true or false" in page.get_data(as_text=True)


def test_admin_export_with_bom(client, accented, make_user, login):
    login(client, make_user(role="admin"))
    plain = client.get("/admin/export.csv").get_data()
    marked = client.get("/admin/export.csv?bom=yes")
    assert marked.is_streamed and marked.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert marked.get_data() == UTF8_BOM + plain
    assert "Zoë" in marked.get_data().decode("utf-8-sig")


def test_search_page_offers_the_csv_and_the_csv_for_excel(client, accented):
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self._href = {}, None

        def handle_starttag(self, tag, attrs):
            if tag == "a":
                self._href = dict(attrs).get("href")

        def handle_data(self, data):
            if self._href and data.strip():
                self.links[data.strip()] = self._href
                self._href = None

    parser = Links()
    parser.feed(client.get("/search?near=10025&per_page=1&page=2&colour=blue").get_data(as_text=True))
    plain_url, excel_url = parser.links["CSV"], parser.links["CSV for Excel"]
    assert plain_url.startswith("/api/v1/providers.csv?") and "page" not in plain_url and "colour" not in plain_url
    excel = client.get(excel_url).get_data()
    plain = client.get(plain_url).get_data()
    assert excel == UTF8_BOM + plain
    assert len(rows_of(plain.decode("utf-8"))) == 2  # every match, not the page shown
