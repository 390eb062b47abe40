"""Searches and CSV exports over HTTP on the seeded directory: whole bodies, the same rows as the API."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from .visitor import Visitor

COUNT_CAP = 200
SEARCH_PAGES = [
    "/search?near=10025&modality=psychodynamic",
    "/search?near=10025&modality=psychodynamic&frequency=weekly",
    "/search?near=10001&insurance=aetna&accepting=true",
    "/search?near=10025&type=psychiatrist&type=psychiatric-nurse-practitioner&condition=depression",
    "/search?near=10025&page=2",
    "/search?near=New+York%2C+NY&radius=5",
    "/search?lat=40.7975&lng=-73.9683",
    "/search?q=anxiety",
]
API_SEARCHES = [
    "/api/v1/providers?near=10025",
    "/api/v1/providers?near=10025&modality=psychodynamic&per_page=100",
    "/api/v1/providers?near=10001&accepting=true&page=2",
    "/api/v1/providers?q=trauma",
    "/fhir/PractitionerRole?_count=50&_include=PractitionerRole:practitioner&_include=PractitionerRole:location",
    "/fhir/Location?_count=10",
    "/hsds/service_at_locations?postcode=10025&proximity=8000",
    "/hsds/services?per_page=50&page=2",
]


def _csv_rows(answer) -> list[dict]:
    assert answer.status_code == 200, answer.text[:1000]
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"), newline="")))
    for row in rows:
        assert None not in row and None not in row.values(), f"a row with the wrong number of cells: {row}"
    return rows


@pytest.mark.parametrize("path", SEARCH_PAGES)
def test_search_page_lists_providers(visitor, path):
    answer = visitor.get(path)
    assert answer.status_code == 200
    assert answer.text.count('provider-card"') > 0, f"no result cards on {path}"


@pytest.mark.parametrize("path", ["/search?near=00000&modality=cbt", "/search?near=10025&radius=-4",
                                  "/search?near=10025&page=999", "/search?lat=91&lng=0"])
def test_search_page_explains_bad_input(visitor, path):
    answer = visitor.get(path)
    assert 200 <= answer.status_code < 500


@pytest.mark.parametrize("path", API_SEARCHES)
def test_interface_searches_answer_in_full(visitor, path):
    answer = visitor.get(path)
    assert answer.status_code == 200, answer.text[:1000]
    body = answer.json()
    found = body.get("results", body.get("entry", body.get("contents")))
    assert found, f"{path} found nothing"


@pytest.mark.parametrize("path", ["/api/v1/providers?near=10025&page=999", "/api/v1/providers?near=10025&per_page=0",
                                  "/api/v1/providers?near=nowhere-at-all", "/api/v1/providers.csv?near=10025&page=999",
                                  "/fhir/Practitioner?_count=abc", "/hsds/services?page=0"])
def test_interface_searches_refuse_bad_parameters(visitor, path):
    answer = visitor.get(path)
    assert answer.status_code == 400, f"{path} answered {answer.status_code}"


def _api_ids(visitor: Visitor, query: str, per_page: int) -> list[int]:
    """The ids of every match the API pages through (up to the export's cap), in its order.

    Nothing is counted beyond a page: pages follow until one says its total is exact.
    """
    ids, page = [], 0
    while len(ids) < COUNT_CAP:
        page += 1
        answer = visitor.get(f"/api/v1/providers?{query}&per_page={per_page}&page={page}")
        assert answer.status_code == 200, f"page {page}: {answer.status_code}"
        found = answer.json()
        assert found["results"], f"page {page} is empty though the one before said more follow"
        ids += [hit["id"] for hit in found["results"]]
        assert found["total"] == len(ids) and found["total_exact"] == (len(found["results"]) < per_page or found["total_exact"])
        if found["total_exact"]:
            break
    return ids[:COUNT_CAP]


@pytest.mark.parametrize("zip_code", ["10001", "10025"])
def test_search_csv_has_every_match_in_the_api_order(visitor, zip_code):
    query = f"near={zip_code}"
    api_first_page = visitor.get(f"/api/v1/providers?{query}").json()
    assert not api_first_page["total_exact"], "the demo directory has more than a page of providers near Manhattan"

    answer = visitor.get(f"/api/v1/providers.csv?{query}")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="providers.csv"'
    rows = _csv_rows(answer)
    csv_ids = [int(row["id"]) for row in rows]
    assert len(csv_ids) > 100  # more than one batch of the export
    assert len(set(csv_ids)) == len(csv_ids)
    assert csv_ids[:len(api_first_page["results"])] == [hit["id"] for hit in api_first_page["results"]]
    assert csv_ids == _api_ids(visitor, query, per_page=100)
    assert all(row["profile_url"].endswith(f"/providers/{row['id']}") for row in rows)


def test_search_csv_for_excel_streams_the_same_rows_after_one_byte_order_mark(visitor):
    plain = visitor.get("/api/v1/providers.csv?near=10025")
    with visitor.session.get(f"{visitor.base_url}/api/v1/providers.csv?near=10025&bom=true", stream=True,
                             timeout=60) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
        assert answer.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole first
        chunks = list(answer.iter_content(chunk_size=None))
    body = b"".join(chunks)
    assert len(chunks) > 1 and chunks[0].startswith(b"\xef\xbb\xbf")
    assert body == b"\xef\xbb\xbf" + plain.content and body.count(b"\xef\xbb\xbf") == 1
    assert len(_csv_rows(plain)) > 100


def test_search_csv_page_is_the_api_page(visitor):
    api = visitor.get("/api/v1/providers?near=10025&modality=psychodynamic&page=2").json()
    rows = _csv_rows(visitor.get("/api/v1/providers.csv?near=10025&modality=psychodynamic&page=2"))
    assert [int(row["id"]) for row in rows] == [hit["id"] for hit in api["results"]]


def test_admin_export_has_one_row_per_provider(served, world):
    from referral.extensions import db
    from referral.models import Provider

    with served.app.app_context():
        provider_ids = list(db.session.scalars(select(Provider.id).order_by(Provider.id)))
        assert db.session.scalar(select(func.count()).select_from(Provider)) >= 725
    admin = Visitor(served.url)
    admin.log_in(world.admin_email, world.password, world.admin_totp_secret)
    answer = admin.get("/admin/export.csv")
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="directory-')
    assert answer.headers["Cache-Control"] == "no-store"
    rows = _csv_rows(answer)
    assert [int(row["id"]) for row in rows] == provider_ids
    assert {row["listing_status"] for row in rows} >= {"verified"}


def test_admin_export_is_for_admins_only(served, visitor, signed_in):
    anonymous = visitor.get("/admin/export.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert signed_in("recipient").get("/admin/export.csv").status_code == 403
    assert signed_in("referrer").get("/admin/export.csv").status_code == 403
