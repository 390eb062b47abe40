"""flask import-nppes on hostile rows: NUL bytes, huge values, broken Unicode, unreadable lines, on both engines."""
import csv
import json

import pytest
from sqlalchemy import select

from nppes_samples import SAMPLE_KEPT, api_results, directory_snapshot, edited_sample, line_of, report_rows, row_of, sample_rows
from referral.extensions import db
from referral.models import Provider
from referral.services.nppes import NppesImport, RejectReport
from referral.services.nppes import scan as scan_module

PSYCHIATRIST_NPI = "1043391675"
NEW_YORK_NPI = "1336295534"
NP_NPI = "1255713236"
SOCIAL_WORKER_NPI = "1063877215"
LAST_NAME = "Provider Last Name (Legal Name)"
PHONE = "Provider Business Practice Location Address Telephone Number"


def test_hostile_values_are_reported_and_skipped_and_the_rest_goes_in(app, runner, tmp_path):
    def spoil(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[index[LAST_NAME]] = "DIAZ\x00GREEN"
        row_of(rows, NEW_YORK_NPI)[index[LAST_NAME]] = "X" * 10_000
        row_of(rows, NP_NPI)[index["Provider First Line Business Practice Location Address"]] = "1 MAIN ST " * 100
        row_of(rows, SOCIAL_WORKER_NPI)[index[PHONE]] = "9" * 50

    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "hostile.csv", spoil)),
                                 "--report", str(report)])
    assert result.exit_code == 1, result.output  # rows were rejected; nothing crashed
    assert "4 rejected" in result.output and f"{SAMPLE_KEPT - 4} added" in result.output
    rejected = {(r["line"], r["npi"]): r["reason"] for r in report_rows(report)}
    assert rejected == {
        (str(line_of(PSYCHIATRIST_NPI)), PSYCHIATRIST_NPI): "the row holds a NUL byte",
        (str(line_of(NEW_YORK_NPI)), NEW_YORK_NPI):
            "the last name is 10,000 characters long, more than the 80 a listing holds",
        (str(line_of(NP_NPI)), NP_NPI):
            "the practice location address is 999 characters long, more than the 160 a listing holds",
        (str(line_of(SOCIAL_WORKER_NPI)), SOCIAL_WORKER_NPI):
            "the phone number is 50 characters long, more than the 32 a listing holds",
    }
    assert "\x00" not in report.read_text(encoding="utf-8")
    with app.app_context():
        snapshot = directory_snapshot()
    assert len(snapshot) == SAMPLE_KEPT - 4
    assert not {PSYCHIATRIST_NPI, NEW_YORK_NPI, NP_NPI, SOCIAL_WORKER_NPI} & set(snapshot)


def test_a_hostile_npi_or_license_is_quoted_short_in_the_report(app, runner, tmp_path):
    def spoil(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[index["Provider License Number_1"]] = "L" * 500
        row_of(rows, NEW_YORK_NPI)[0] = "1\x00" * 3000

    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "hostile.csv", spoil)),
                                 "--report", str(report)])
    assert result.exit_code == 1, result.output
    entries = report_rows(report)
    assert [(e["npi"], e["outcome"]) for e in entries] == [(PSYCHIATRIST_NPI, "kept, with a warning"), ("", "rejected")]
    assert entries[0]["reason"].startswith("license number 'LLLL") and "(500 characters)" in entries[0]["reason"]
    assert entries[1]["reason"].startswith("invalid NPI '1\\x001") and "(6,000 characters)" in entries[1]["reason"]
    assert len(entries[1]["reason"]) < 200
    with app.app_context():
        assert directory_snapshot()[PSYCHIATRIST_NPI][6] == (("OK", "29431"),)  # the long license left out


def test_broken_unicode_from_the_api_json_is_refused_row_by_row(app, runner, tmp_path):
    data = api_results()
    numbers = [result["number"] for result in data["results"]]
    record = numbers.index(PSYCHIATRIST_NPI)
    # A lone surrogate: valid JSON, but no text a database can store.
    data["results"][record]["basic"]["last_name"] = "DEGUZMAN\ud800"
    path = tmp_path / "api.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert report_rows(report) == [{"line": str(record + 1), "npi": PSYCHIATRIST_NPI, "outcome": "rejected",
                                    "reason": "the row holds text that is not valid Unicode"}]
    with app.app_context():
        snapshot = directory_snapshot()
    assert len(snapshot) == SAMPLE_KEPT - 1 and PSYCHIATRIST_NPI not in snapshot


@pytest.mark.parametrize("read_in_child", [True, False], ids=["child-process", "in-process"])
def test_unreadable_lines_are_reported_and_too_many_in_a_row_stop_the_import(app_ctx, fake_geocoder, tmp_path,
                                                                            monkeypatch, read_in_child):
    header, rows = sample_rows()
    path = tmp_path / "npidata_pfile_garbled.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows[:5])
        handle.write('"' + "x" * 200_000 + '"\n')  # a field past the CSV reader's limit
        handle.write("\n")  # a blank line: no row at all
        writer.writerows(rows[5:])
        handle.write('"' + NEW_YORK_NPI + '","1"\n')  # two fields where the header has 330
    report = RejectReport(tmp_path / "report.csv")
    stats = NppesImport(path, geocoder=fake_geocoder, report=report, read_in_child=read_in_child).run()
    report.close()
    assert stats.rejected == 2 and stats.rows_read == len(rows) + 2
    garbled, short = report_rows(tmp_path / "report.csv")
    assert garbled["line"] == "7" and garbled["reason"].startswith("unreadable CSV: field larger than field limit")
    assert (short["line"], short["npi"]) == (str(len(rows) + 4), NEW_YORK_NPI)
    assert short["reason"] == "truncated line: 2 of 330 fields"
    assert len(db.session.scalars(select(Provider.npi)).all()) == SAMPLE_KEPT

    # A file that stops being CSV at all is refused once the unreadable lines run on.
    monkeypatch.setattr(scan_module, "MAX_CONSECUTIVE_CSV_ERRORS", 3)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(('"' + "x" * 200_000 + '"\n') * 3)
    from referral.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="stopped being readable CSV near line"):
        NppesImport(path, geocoder=fake_geocoder, read_in_child=read_in_child).run()
