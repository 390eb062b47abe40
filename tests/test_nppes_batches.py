"""How the NPPES import writes its batches: bulk statements, a row the database refuses, the writer thread."""
import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from config import TestingConfig
from nppes_samples import SAMPLE_CSV, SAMPLE_KEPT, directory_snapshot, edited_sample, row_of, versions
from referral import create_app
from referral.extensions import db
from referral.models import License, NppesRecord, Office, Provider, TaxonomyCode
from referral.services.npi import npi_is_valid
from referral.services.nppes import NppesImport, RejectReport
from referral.services.nppes import mapper as mapper_module
from referral.services.nppes.mapper import Kept, MappedProvider, npi_check_digit_ok, row_digest
from referral.services.nppes.pipeline import can_write_from_another_thread
from referral.services.nppes.upsert import Upserter
from referral.services.reference import load_reference_data

PSYCHIATRIST_NPI = "1043391675"
NEW_YORK_NPI = "1336295534"
MISSING_TYPE_ID = 999_999  # no such provider type: the database's foreign key refuses the listing


def listing(npi: str, last_name: str, provider_type_id: int, **changes) -> MappedProvider:
    fields = dict(npi=npi, first_name="Ada", last_name=last_name, credentials="LCSW", provider_type_id=provider_type_id,
                  taxonomy_code="1041C0700X", phone="(212) 555-0100", address1="1 Main St", address2="",
                  city="New York", state="NY", zip="10025", licenses=(("NY", "123"),), row_hash="")
    fields.update(changes)
    provider = MappedProvider(**fields)
    return provider._replace(row_hash=row_digest(provider))


def type_of(code: str) -> int:
    return db.session.scalar(select(TaxonomyCode.provider_type_id).where(TaxonomyCode.code == code))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_row_the_database_refuses_costs_only_that_row(app_ctx, fake_geocoder):
    type_id = type_of("1041C0700X")
    good = [listing(npi, f"Good{n}", type_id) for n, npi in enumerate(("1234567893", "1245319599", "1003000126"))]
    bad = listing("1003000134", "Bad", MISSING_TYPE_ID)
    kept = {p.npi: p for p in (good[0], bad, good[1], good[2])}
    upserter = Upserter(fake_geocoder)

    written = upserter.write(upserter.connection(), kept, set())
    db.session.commit()
    assert set(written.refused) == {bad.npi} and "foreign key" in written.refused[bad.npi].lower()
    assert (written.counts.added, written.counts.geocode_misses) == (3, 0)
    assert set(db.session.scalars(select(Provider.npi))) == {p.npi for p in good}
    assert (count(Office), count(License), count(NppesRecord)) == (3, 3, 3)

    # Written again, the good rows are unchanged and the bad one is refused again, alone.
    written = upserter.write(upserter.connection(), kept, set())
    db.session.commit()
    assert (written.counts.unchanged, written.counts.added, set(written.refused)) == (3, 0, {bad.npi})


def test_a_refused_row_is_reported_with_its_line_and_the_batch_goes_in(app, runner, tmp_path, monkeypatch):
    real_map = mapper_module.RowMapper.map

    def map_with_a_bad_type(self, row):
        outcome = real_map(self, row)
        if isinstance(outcome, Kept) and outcome.provider.npi == NEW_YORK_NPI:
            return Kept(outcome.provider._replace(provider_type_id=MISSING_TYPE_ID))
        return outcome

    monkeypatch.setattr(mapper_module.RowMapper, "map", map_with_a_bad_type)
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert f"{SAMPLE_KEPT - 1} behavioral-health listings kept: {SAMPLE_KEPT - 1} added" in result.output
    assert "1 rejected" in result.output
    with open(report, newline="", encoding="utf-8") as handle:
        (entry,) = list(csv.DictReader(handle))
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as handle:
        line = 1 + [row[0] for row in csv.reader(handle)].index(NEW_YORK_NPI)
    assert (entry["line"], entry["npi"]) == (str(line), NEW_YORK_NPI)
    assert entry["reason"].startswith("the database refused the row: ")
    with app.app_context():
        snapshot = directory_snapshot()
    assert len(snapshot) == SAMPLE_KEPT - 1 and NEW_YORK_NPI not in snapshot


def test_a_deactivation_followed_by_a_reactivated_row_leaves_the_listing_shown(app, runner, tmp_path):
    runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])

    def deactivate_then_return(index, rows):
        row = row_of(rows, NEW_YORK_NPI)
        gone = [""] * len(row)
        gone[0], gone[index["NPI Deactivation Date"]] = NEW_YORK_NPI, "05/01/2025"
        rows.insert(rows.index(row), gone)  # the same NPI twice in one batch: the later row counts

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "twice.csv", deactivate_then_return))])
    assert result.exit_code == 0, result.output
    assert "0 hidden as deactivated" in result.output
    with app.app_context():
        db.session.expire_all()
        assert db.session.scalar(select(Provider.active).where(Provider.npi == NEW_YORK_NPI)) is True


@pytest.mark.parametrize("read_in_child", [True, False], ids=["child-process", "in-process"])
def test_reading_in_a_child_process_or_in_process_gives_the_same_import(app_ctx, fake_geocoder, tmp_path,
                                                                        read_in_child):
    def spoil(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[0] = "1043391676"
        del row_of(rows, NEW_YORK_NPI)[200:]

    path = edited_sample(tmp_path / "spoiled.csv", spoil)
    report = RejectReport(tmp_path / "report.csv")
    progress = []
    stats = NppesImport(path, geocoder=fake_geocoder, batch_size=7, report=report, read_in_child=read_in_child,
                        on_progress=lambda s, done, total: progress.append((done, total))).run()
    report.close()
    assert (stats.rows_read, stats.kept, stats.rejected) == (36, SAMPLE_KEPT - 2, 2)
    assert stats.written.added == SAMPLE_KEPT - 2
    assert stats.batches_committed == -(-(SAMPLE_KEPT - 2) // 7)
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)
    with open(tmp_path / "report.csv", newline="", encoding="utf-8") as handle:
        assert [(r["npi"], r["reason"][:20]) for r in csv.DictReader(handle)] == [
            ("1043391676", "invalid NPI '1043391"), (NEW_YORK_NPI, "truncated line: 200 "),
        ]


def test_a_file_database_is_written_by_the_writer_thread_and_reimports_change_nothing(tmp_path, fake_geocoder):
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'directory.sqlite'}")
    with application.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        assert can_write_from_another_thread(db.session.get_bind())
        first = NppesImport(SAMPLE_CSV, geocoder=fake_geocoder, batch_size=5).run()
        assert (first.written.added, first.batches_committed) == (SAMPLE_KEPT, -(-SAMPLE_KEPT // 5))
        before, versions_before = directory_snapshot(), versions()
        again = NppesImport(SAMPLE_CSV, geocoder=fake_geocoder, batch_size=5).run()
        assert (again.written.added, again.written.updated, again.written.unchanged) == (0, 0, SAMPLE_KEPT)
        assert directory_snapshot() == before and versions() == versions_before
        db.session.remove()
        db.engine.dispose()


def test_listings_imported_by_earlier_versions_keep_their_digest():
    provider = listing(PSYCHIATRIST_NPI, "Deguzman", 3, first_name="Josephine", credentials="M.D.",
                       taxonomy_code="2084P0800X", phone="(405) 858-2700", address1="1140 N Hudson Ave",
                       city="Oklahoma City", state="OK", zip="73103-3918",
                       licenses=(("IN", "01062310A"), ("OK", "29431")))
    # The digest the import stored before its rows became tuples: a re-import must find them unchanged.
    assert provider.row_hash == "75a78365d78f3ed8fc61c9b412a6292a"


@given(st.one_of(st.text(alphabet="0123456789", min_size=10, max_size=10), st.text(max_size=12)))
def test_the_fast_check_digit_agrees_with_the_npi_rule(text):
    assert npi_check_digit_ok(text) == (npi_is_valid(text) and text.isascii() and len(text) == 10)
