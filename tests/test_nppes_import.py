"""flask import-nppes: what lands in the directory, re-imports, owners' listings, dry runs, interruptions."""
import re
import zipfile

import pytest
from sqlalchemy import func, select

from nppes_samples import (
    SAMPLE_CSV,
    SAMPLE_JSON,
    SAMPLE_KEPT,
    directory_snapshot,
    edited_sample,
    row_of,
    versions,
)
from referral.extensions import db
from referral.models import LISTING_VERIFIED, NppesRecord, Provider
from referral.services.nppes import NppesImport

PSYCHIATRIST_NPI = "1043391675"  # primary 2084P0800X, licensed in IN and OK, practice in Oklahoma City
SOCIAL_WORKER_NPI = "1063877215"  # a student code and a school code first; clinical social worker is primary
NP_NPI = "1255713236"  # RN, pediatric NP and psychiatric NP (primary), three Illinois licenses
NEW_YORK_NPI = "1336295534"  # practices in New York, NY 10025
BEHAVIOR_TECH_NPI = "1003383704"  # behavioral health, but no provider type the directory lists


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def provider(npi: str) -> Provider:
    db.session.expire_all()
    return db.session.scalar(select(Provider).where(Provider.npi == npi))


def test_csv_sample_becomes_unclaimed_registry_listings(app, runner):
    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    assert "36 rows read" in result.output and f"{SAMPLE_KEPT} added" in result.output and "0 rejected" in result.output

    with app.app_context():
        snapshot = directory_snapshot()
        assert len(snapshot) == SAMPLE_KEPT and BEHAVIOR_TECH_NPI not in snapshot
        assert snapshot[PSYCHIATRIST_NPI] == (
            "Josephine", "Deguzman", "M.D.", "psychiatrist", "2084P0800X", "(405) 858-2700",
            (("IN", "01062310A"), ("OK", "29431")),
            (("1140 N Hudson Ave", "", "Oklahoma City", "OK", "73103-3918"),),
            True, "unclaimed", "nppes",
        )
        assert snapshot[SOCIAL_WORKER_NPI][3:5] == ("clinical-social-worker", "1041C0700X")
        assert snapshot[NP_NPI][3] == "psychiatric-nurse-practitioner"
        assert snapshot[NP_NPI][6] == (("IL", "0413363418"), ("IL", "27700177"), ("IL", "377001720"))
        office = provider(NEW_YORK_NPI).offices[0]
        assert office.zip.startswith("10025") and office.lat == pytest.approx(40.80, abs=0.05)


def test_csv_and_api_json_samples_import_the_same_providers(app, runner):
    assert runner.invoke(args=["import-nppes", str(SAMPLE_CSV)]).exit_code == 0
    with app.app_context():
        from_csv = directory_snapshot()
        db.session.execute(NppesRecord.__table__.delete())
        db.session.execute(Provider.__table__.delete())
        db.session.commit()
        assert directory_snapshot() == {}

    result = runner.invoke(args=["import-nppes", str(SAMPLE_JSON)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert directory_snapshot() == from_csv

    # And each file seen after the other changes nothing: the same registry facts hash the same.
    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    assert f"0 added, 0 updated, {SAMPLE_KEPT} unchanged" in result.output


def test_reimport_of_the_same_file_changes_nothing(app, runner):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    with app.app_context():
        before, versions_before = directory_snapshot(), versions()
        stamps_before = dict(db.session.execute(select(Provider.npi, Provider.updated_at)).all())

    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    assert result.exit_code == 0
    assert f"0 added, 0 updated, {SAMPLE_KEPT} unchanged" in result.output
    with app.app_context():
        assert directory_snapshot() == before
        assert versions() == versions_before and set(versions_before.values()) == {1}
        assert dict(db.session.execute(select(Provider.npi, Provider.updated_at)).all()) == stamps_before


def test_newer_file_updates_registry_fields(app, runner, tmp_path):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])

    def move(index, rows):
        row = row_of(rows, PSYCHIATRIST_NPI)
        row[index["Provider Business Practice Location Address Telephone Number"]] = "4055550199"
        row[index["Provider Business Practice Location Address Postal Code"]] = "10025"
        row[index["Provider Business Practice Location Address City Name"]] = "NEW YORK"
        row[index["Provider Business Practice Location Address State Name"]] = "NY"

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "newer.csv", move))])
    assert "0 added, 1 updated" in result.output
    with app.app_context():
        moved = provider(PSYCHIATRIST_NPI)
        assert moved.phone == "(405) 555-0199" and moved.version_id == 2
        assert [(o.city, o.state, o.zip) for o in moved.offices] == [("New York", "NY", "10025")]
        assert moved.offices[0].lat == pytest.approx(40.80, abs=0.05)
        assert {p.npi: p.version_id for p in [provider(NP_NPI)]} == {NP_NPI: 1}


def test_an_owners_listing_survives_a_reimport(app, runner, tmp_path, make_user):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    owner = make_user(role="provider")
    with app.app_context():
        listing = provider(PSYCHIATRIST_NPI)
        listing.owner_id, listing.listing_status = owner.id, LISTING_VERIFIED
        listing.first_name, listing.phone, listing.statement = "Jo", "(405) 555-0123", "I see adults."
        db.session.commit()
        version = provider(PSYCHIATRIST_NPI).version_id

    def change(index, rows):
        row = row_of(rows, PSYCHIATRIST_NPI)
        row[index["Provider First Name"]] = "JOSEPHINA"
        row[index["Provider Business Practice Location Address Telephone Number"]] = "4055550199"
        row[index["Provider License Number State Code_1"]] = "TX"

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "newer.csv", change))])
    assert result.exit_code == 0
    assert "1 held by their owners and left as they are" in result.output
    with app.app_context():
        kept = provider(PSYCHIATRIST_NPI)
        assert (kept.first_name, kept.phone, kept.statement) == ("Jo", "(405) 555-0123", "I see adults.")
        assert sorted(lic.state for lic in kept.licenses) == ["IN", "OK"]
        assert kept.version_id == version and kept.owner_id == owner.id and kept.listing_status == LISTING_VERIFIED

    # The owner's listing stays theirs on every later run, too.
    assert runner.invoke(args=["import-nppes", str(tmp_path / "newer.csv")]).exit_code == 0
    with app.app_context():
        assert provider(PSYCHIATRIST_NPI).first_name == "Jo"


def test_dry_run_writes_nothing_and_says_what_it_would_do(app, runner):
    result = runner.invoke(args=["import-nppes", "--dry-run", str(SAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dry run, nothing written:")
    assert f"{SAMPLE_KEPT} would be added" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Provider)) == 0
        assert db.session.scalar(select(func.count()).select_from(NppesRecord)) == 0


def test_an_interrupted_import_keeps_its_batches_and_a_rerun_finishes(app_ctx, fake_geocoder):
    commits = {"n": 0}

    def commit_then_fail_once():
        db.session.commit()
        commits["n"] += 1
        if commits["n"] == 1:
            raise KeyboardInterrupt  # as if Ctrl-C (or a crash) came right after the first batch

    job = NppesImport(SAMPLE_CSV, geocoder=fake_geocoder, batch_size=10, commit=commit_then_fail_once)
    with pytest.raises(KeyboardInterrupt):
        job.run()
    assert commits["n"] == 1
    first_batch = versions()
    assert len(first_batch) == 10

    stats = NppesImport(SAMPLE_CSV, geocoder=fake_geocoder, batch_size=10).run()
    assert (stats.written.added, stats.written.unchanged) == (SAMPLE_KEPT - 10, 10)
    assert len(versions()) == SAMPLE_KEPT
    assert {npi: versions()[npi] for npi in first_batch} == first_batch  # committed rows untouched


def test_deactivated_npis_leave_search_and_reactivated_ones_return(app, runner, client, tmp_path):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    with app.app_context():
        listing_id = provider(NEW_YORK_NPI).id
    assert "Josephine Diaz" in text_of(client.get("/search?near=10025"))
    assert client.get(f"/providers/{listing_id}").status_code == 200

    def deactivate(index, rows):
        # The bulk file blanks every field of a deactivated NPI except the NPI and the date.
        row = row_of(rows, NEW_YORK_NPI)
        row[:] = [""] * len(row)
        row[0], row[index["NPI Deactivation Date"]] = NEW_YORK_NPI, "05/01/2025"

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "deactivated.csv", deactivate))])
    assert result.exit_code == 0, result.output
    assert "1 hidden as deactivated" in result.output
    with app.app_context():
        assert provider(NEW_YORK_NPI).active is False
    assert "Josephine Diaz" not in text_of(client.get("/search?near=10025"))
    assert client.get(f"/providers/{listing_id}").status_code == 404

    def reactivate(index, rows):
        row = row_of(rows, NEW_YORK_NPI)
        row[index["NPI Deactivation Date"]], row[index["NPI Reactivation Date"]] = "05/01/2025", "06/15/2025"

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "reactivated.csv", reactivate))])
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    with app.app_context():
        assert provider(NEW_YORK_NPI).active is True
    assert "Josephine Diaz" in text_of(client.get("/search?near=10025"))
    assert client.get(f"/providers/{listing_id}").status_code == 200


def test_the_cms_zip_imports_like_the_csv_inside_it(app, runner, tmp_path):
    archive = tmp_path / "NPPES_Data_Dissemination_May_2025.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("npidata_pfile_20050523-20250511_fileheader.csv", SAMPLE_CSV.read_text().splitlines()[0] + "\n")
        bundle.write(SAMPLE_CSV, "npidata_pfile_20050523-20250511.csv")
        bundle.writestr("pl_pfile_20050523-20250511.csv", '"NPI"\n')
        bundle.writestr("NPPES_Data_Dissemination_Readme.pdf", b"%PDF-1.4")
    result = runner.invoke(args=["import-nppes", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"{SAMPLE_KEPT} added" in result.output
    with app.app_context():
        from_zip = directory_snapshot()
    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    assert f"{SAMPLE_KEPT} unchanged" in result.output
    with app.app_context():
        assert directory_snapshot() == from_zip


def test_profile_says_the_listing_comes_from_the_registry(app, runner, client):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    with app.app_context():
        listing_id = provider(PSYCHIATRIST_NPI).id
    body = text_of(client.get(f"/providers/{listing_id}"))
    assert "From the NPPES registry, not yet claimed by this provider." in body
    assert "Josephine Deguzman, M.D." in body and "Psychiatrist" in body
    assert "1140 N Hudson Ave" in body and "Oklahoma City, OK 73103-3918" in body
    assert "IN #01062310A; OK #29431" in body and "(405) 858-2700" in body
