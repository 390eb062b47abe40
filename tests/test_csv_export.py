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
