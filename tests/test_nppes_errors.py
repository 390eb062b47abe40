"""flask import-nppes on bad input: missing columns, malformed rows, truncated files, renamed headers."""
from sqlalchemy import func, select

from nppes_samples import SAMPLE_CSV, SAMPLE_KEPT, directory_snapshot, edited_sample, line_of, report_rows, row_of, sample_rows, write_csv
from referral.extensions import db
from referral.models import NppesRecord, Provider
from referral.services.nppes.mapper import display_case, is_deactivated

PSYCHIATRIST_NPI = "1043391675"
NEW_YORK_NPI = "1336295534"
NP_NPI = "1255713236"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_file_without_needed_columns_is_refused_before_anything_is_written(app, runner, tmp_path):
    header, rows = sample_rows()
    drop = {"Provider Business Practice Location Address State Name", "Healthcare Provider Taxonomy Code_1"}
    keep = [i for i, name in enumerate(header) if name not in drop]
    path = write_csv(tmp_path / "npidata_pfile_cut.csv", [header[i] for i in keep], [[r[i] for i in keep] for r in rows])

    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code != 0
    assert "missing required columns" in result.output
    assert "Provider Business Practice Location Address State Name" in result.output
    assert "Healthcare Provider Taxonomy Code_1" in result.output
    with app.app_context():
        assert count(Provider) == 0 and count(NppesRecord) == 0


def test_malformed_rows_are_reported_with_line_numbers_and_good_rows_go_in(app, runner, tmp_path):
    def spoil(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[0] = "1043391676"  # check digit off by one
        row_of(rows, NEW_YORK_NPI)[index["Provider Business Practice Location Address State Name"]] = "ZZ"
        row = row_of(rows, NP_NPI)
        del row[200:]  # a line cut short in the middle of the file

    path = edited_sample(tmp_path / "spoiled.csv", spoil)
    report = tmp_path / "rejected.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])

    assert result.exit_code == 1
    assert "3 rejected" in result.output and f"{SAMPLE_KEPT - 3} added" in result.output
    assert str(report) in result.output
    rejected = {(r["line"], r["npi"]): r["reason"] for r in report_rows(report) if r["outcome"] == "rejected"}
    assert rejected == {
        (str(line_of(PSYCHIATRIST_NPI)), "1043391676"): "invalid NPI '1043391676': not ten digits with a correct check digit",
        (str(line_of(NEW_YORK_NPI)), NEW_YORK_NPI): "unknown practice-location state 'ZZ'",
        (str(line_of(NP_NPI)), NP_NPI): "truncated line: 200 of 330 fields",
    }
    with app.app_context():
        snapshot = directory_snapshot()
    assert len(snapshot) == SAMPLE_KEPT - 3
    assert not {PSYCHIATRIST_NPI, "1043391676", NEW_YORK_NPI, NP_NPI} & set(snapshot)


def test_an_unknown_license_state_keeps_the_clinician_and_notes_the_license(app, runner, tmp_path):
    def odd_license(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[index["Provider License Number State Code_1"]] = "XX"

    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "odd.csv", odd_license)),
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 kept with a warning" in result.output
    with app.app_context():
        assert directory_snapshot()[PSYCHIATRIST_NPI][6] == (("OK", "29431"),)
    assert report_rows(report) == [{"line": str(line_of(PSYCHIATRIST_NPI)), "npi": PSYCHIATRIST_NPI,
                                    "outcome": "kept, with a warning",
                                    "reason": "license 01062310A has unknown state 'XX': left out"}]


def test_a_truncated_file_imports_what_was_whole_and_says_so(app, runner, tmp_path):
    data = SAMPLE_CSV.read_bytes()
    lines = data.splitlines(keepends=True)
    cut = b"".join(lines[:11]) + lines[11][:900]  # the header, ten whole rows, part of the eleventh
    path = tmp_path / "npidata_pfile_cut.csv"
    path.write_bytes(cut)
    whole_npis = {line.split(b",")[0].strip(b'"').decode() for line in lines[1:11]}
    cut_npi = lines[11].split(b",")[0].strip(b'"').decode()

    report = tmp_path / "rejected.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])
    assert result.exit_code == 1
    assert "The file is truncated: it ends mid-row at line 12. Every whole row before it was imported." in result.output
    assert "1 rejected" in result.output
    assert [(r["line"], r["npi"]) for r in report_rows(report)] == [("12", cut_npi)]
    with app.app_context():
        assert set(directory_snapshot()) <= whole_npis and len(directory_snapshot()) > 0


def test_a_file_cut_inside_its_last_field_loses_only_that_row(app, runner, tmp_path):
    data = SAMPLE_CSV.read_bytes().rstrip(b"\n")
    path = tmp_path / "npidata_pfile_cut.csv"
    path.write_bytes(data[:-4])  # the final date loses its year's end and its closing quote
    last_npi = data.splitlines()[-1].split(b",")[0].strip(b'"').decode()

    result = runner.invoke(args=["import-nppes", str(path), "--report", str(tmp_path / "rejected.csv")])
    assert result.exit_code == 1
    assert "The file is truncated" in result.output
    with app.app_context():
        assert last_npi not in directory_snapshot()


def test_older_files_with_renamed_columns_import_the_same(app, runner, tmp_path):
    header, rows = sample_rows()
    renamed = ["Provider Gender Code" if name == "Provider Sex Code" else name for name in header]
    # Column order does not matter either: the sample's columns, reversed.
    path = write_csv(tmp_path / "npidata_pfile_2019.csv", renamed[::-1], [row[::-1] for row in rows])
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from_old = directory_snapshot()
    result = runner.invoke(args=["import-nppes", str(SAMPLE_CSV)])
    assert f"{SAMPLE_KEPT} unchanged" in result.output
    with app.app_context():
        assert directory_snapshot() == from_old


def test_a_file_that_is_not_nppes_data_is_refused(app, runner, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{not json")
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code != 0 and "neither CSV nor valid JSON" in result.output
    with app.app_context():
        assert count(Provider) == 0


def test_registry_capitals_read_as_names_and_dates_decide_deactivation():
    assert display_case("DIAZ-GREEN") == "Diaz-Green"
    assert display_case("O'BRIEN") == "O'Brien" and display_case("MCDONALD") == "McDonald"
    assert display_case("Mary Ann") == "Mary Ann"
    assert is_deactivated("05/01/2025", "") is True
    assert is_deactivated("05/01/2025", "06/15/2025") is False
    assert is_deactivated("2025-05-01", "2024-01-01") is True
    assert is_deactivated("", "") is False
