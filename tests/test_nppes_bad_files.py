"""flask import-nppes on bad files: wrong encodings, over-long lines, zip bombs and damaged zips, JSON of another
shape or size, on both engines. Large files are written a block at a time (or sparse), never held in memory;
where memory is the point, the command runs in a fresh process (tests/nppes_import_probe.py) that reports how
far its resident memory rose.
"""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from unittest.mock import patch
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text

from conftest import POSTGRES_SERVER_URL
from nppes_samples import SAMPLE_CSV, SAMPLE_KEPT, api_results, directory_snapshot, edited_sample, line_of, report_rows, row_of
from referral.extensions import db
from referral.models import NppesRecord, Provider
from referral.services.errors import ValidationFailed
from referral.services.nppes import encoding as encoding_module
from referral.services.nppes import lines as lines_module
from referral.services.nppes.api_json import MAX_RECORD_BYTES
from referral.services.nppes.archive import MAX_UNPACKED_BYTES, check_member
from referral.services.nppes.lines import MAX_LINE_BYTES, READ_SIZE

PSYCHIATRIST_NPI = "1043391675"  # line 3 of the sample
NP_NPI = "1255713236"  # line 10
NEW_YORK_NPI = "1336295534"  # line 14
LAST_NAME = "Provider Last Name (Legal Name)"
FIRST_NAME = "Provider First Name"
MEMORY_RISE_LIMIT_MB = 32  # the largest bad file below would take several times this, read whole
PROBE = Path(__file__).parent / "nppes_import_probe.py"
EXPECTED_JSON = 'Expected NPI Registry API JSON: an object with a "results" list of provider records'


def write_repeated(handle, size: int, byte: bytes = b"x") -> None:
    """Write `size` copies of one byte, a mebibyte at a time."""
    block = byte * (1 << 20)
    for _ in range(size >> 20):
        handle.write(block)
    handle.write(byte * (size & ((1 << 20) - 1)))


def sample_lines() -> list[bytes]:
    """The sample CSV's lines, with their line breaks."""
    return SAMPLE_CSV.read_bytes().splitlines(keepends=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_written(app) -> bool:
    with app.app_context():
        return count(Provider) == 0 and count(NppesRecord) == 0


# --- Encodings ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_file_in_a_western_encoding_is_read_in_it_and_the_import_says_so(app, runner, tmp_path, encoding):
    def accents(index, rows):
        row_of(rows, PSYCHIATRIST_NPI)[index[FIRST_NAME]] = "JOSÉ"
        row_of(rows, NEW_YORK_NPI)[index[LAST_NAME]] = "NÚÑEZ"

    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "npidata_pfile_w.csv", accents, encoding))])
    assert result.exit_code == 0, result.output
    assert (f"The file is not all UTF-8: 3 characters, the first on line {line_of(PSYCHIATRIST_NPI)}, were read as "
            "Windows-1252 (cp1252), the encoding they look like.") in result.output
    with app.app_context():
        snapshot = directory_snapshot()
    assert snapshot[PSYCHIATRIST_NPI][0] == "José" and snapshot[NEW_YORK_NPI][1] == "Núñez"

    # The same rows in UTF-8 find every listing as it is: the names were read right.
    result = runner.invoke(args=["import-nppes", str(edited_sample(tmp_path / "npidata_pfile_u.csv", accents))])
    assert f"0 added, 0 updated, {SAMPLE_KEPT} unchanged" in result.output and "UTF-8" not in result.output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=["byte-order-mark", "no-byte-order-mark"])
def test_a_utf16_file_is_refused_naming_its_encoding(app, runner, tmp_path, encoding):
    path = tmp_path / "npidata_pfile_utf16.csv"
    path.write_bytes(SAMPLE_CSV.read_text(encoding="utf-8").encode(encoding))
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output and "it looks like UTF-16" in result.output
    assert "Save it as UTF-8 and import it again." in result.output
    assert nothing_written(app)


def test_bytes_no_encoding_reads_reject_their_rows_and_are_never_stored(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(encoding_module, "guess_encoding", lambda data: None)  # as for bytes of no known encoding
    data = SAMPLE_CSV.read_bytes().replace(b'"DEGUZMAN"', b'"DEGUZ\x8f\xfeMAN"')
    path = tmp_path / "npidata_pfile_bytes.csv"
    path.write_bytes(data)
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert (f"The file holds 2 byte sequences, the first on line {line_of(PSYCHIATRIST_NPI)}, that are not text in any "
            "encoding known here: listings holding them were rejected.") in result.output
    assert report_rows(report) == [{"line": str(line_of(PSYCHIATRIST_NPI)), "npi": PSYCHIATRIST_NPI,
                                    "outcome": "rejected", "reason": "the row holds text that is not valid Unicode"}]
    with app.app_context():
        snapshot = directory_snapshot()
    assert len(snapshot) == SAMPLE_KEPT - 1 and PSYCHIATRIST_NPI not in snapshot


# --- Line lengths ------------------------------------------------------------------------------------------------

def too_long(length: int) -> str:
    return f"line too long: {length:,} bytes, more than the {MAX_LINE_BYTES:,} a line may hold; not read"


@given(lengths=st.lists(st.integers(1, 40), min_size=1, max_size=30), ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
       unended=st.booleans())
def test_the_line_reader_hands_on_each_line_whole_or_a_marker_in_its_place(lengths, ending, unended):
    read_size, limit = 7, 16  # small, so that lines run across reads and past the limit in every way
    lines = [b"h" * min(lengths[0], limit - len(ending)) + ending]  # a header within the limit
    lines += [b"a" * length + ending for length in lengths[1:]]
    if unended:
        lines[-1] = lines[-1].rstrip(b"\r\n") or b"a"
    data = b"".join(lines)
    with patch.object(lines_module, "READ_SIZE", read_size), patch.object(lines_module, "MAX_LINE_BYTES", limit):
        reader = lines_module.LineBoundedReader(io.BytesIO(data).read)
        handed_on = io.BufferedReader(reader, 64).read()
    expected, start = [], 0
    for line in lines:
        # A line whose CR ends a read is measured to the CR (when too long, its LF, starting the next, is passed over).
        measured = len(line) - (line.endswith(b"\r\n") and (start + len(line) - 1) % read_size == 0)
        expected.append(line if measured <= limit else f"{reader.marker}{measured}\n".encode())
        start += len(line)
    assert handed_on == b"".join(expected)


def test_lines_too_long_are_reported_by_number_and_the_rest_goes_in(app, runner, tmp_path):
    def cut(index, rows):
        del row_of(rows, NP_NPI)[200:]

    lines = edited_sample(tmp_path / "cut.csv", cut).read_bytes().splitlines(keepends=True)
    before = sum(map(len, lines[:5]))  # the header and four rows
    # Line 6, one quoted field of about 1.5 MiB, ends in CR LF with the CR the last byte of a read.
    long_line = 24 * READ_SIZE - before
    path = tmp_path / "npidata_pfile_long.csv"
    with open(path, "wb") as handle:
        handle.writelines(lines[:5])
        handle.write(b'"')
        write_repeated(handle, long_line - 3)
        handle.write(b'"\r\n')
        handle.writelines(lines[5:])
        write_repeated(handle, MAX_LINE_BYTES + 1)  # a last line just over the limit, no line break after it
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert "3 rejected" in result.output and f"{SAMPLE_KEPT - 1} added" in result.output
    assert [(r["line"], r["npi"], r["reason"]) for r in report_rows(report)] == [
        ("6", "", too_long(long_line)),
        (str(line_of(NP_NPI) + 1), NP_NPI, "truncated line: 200 of 330 fields"),  # one line further down
        (str(len(lines) + 2), "", too_long(MAX_LINE_BYTES + 1)),
    ]
    with app.app_context():
        assert len(directory_snapshot()) == SAMPLE_KEPT - 1


def test_a_file_without_line_breaks_is_refused_at_its_first_mebibyte(app, runner, tmp_path):
    path = tmp_path / "npidata_pfile_one_line.csv"
    with open(path, "wb") as handle:
        handle.truncate(2 << 30)  # two gibibytes of NUL bytes, stored sparse
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 1
    assert (f"The first line runs past {MAX_LINE_BYTES:,} bytes without a line break: an NPPES file starts with a "
            "header line of a few KB.") in result.output
    assert nothing_written(app)


# --- Zip files ---------------------------------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, runner, tmp_path, monkeypatch):
    archive = tmp_path / "NPPES_Data_Dissemination_bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("npidata_pfile_20050523-20250511.csv", "w") as member:
            member.write(sample_lines()[0])
            write_repeated(member, 200 << 20)
    with zipfile.ZipFile(archive) as bundle:
        packed = bundle.infolist()[0].compress_size
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *args, **kwargs: (
        opened.append(getattr(name, "filename", name)), real_open(self, name, *args, **kwargs))[1])

    result = runner.invoke(args=["import-nppes", str(archive)])
    assert result.exit_code == 1
    unpacked = len(sample_lines()[0]) + (200 << 20)
    assert (f"The zip file is refused, unopened, as a zip bomb: npidata_pfile_20050523-20250511.csv would unpack from "
            f"{packed:,} bytes to {unpacked:,} ({unpacked / packed:,.0f} times as large).") in result.output
    assert "at most 100 times a member's packed size" in result.output
    assert opened == []
    assert nothing_written(app)


def test_a_member_claiming_to_unpack_past_the_absolute_limit_is_refused():
    member = zipfile.ZipInfo("npidata_pfile_huge.csv")
    member.compress_type, member.compress_size, member.file_size = zipfile.ZIP_DEFLATED, 10 << 30, MAX_UNPACKED_BYTES + 1
    with pytest.raises(ValidationFailed, match="refused, unopened, as a zip bomb: npidata_pfile_huge.csv"):
        check_member(member)


def damaged(path: Path) -> Path:
    """The sample zipped, with bytes in the middle of its packed data overwritten."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(SAMPLE_CSV, "npidata_pfile_20050523-20250511.csv")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    return path


def lzma_packed(path: Path) -> Path:
    """The sample zipped with LZMA, which the import does not unpack."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as bundle:
        bundle.write(SAMPLE_CSV, "npidata_pfile_20050523-20250511.csv")
    return path


def encrypted(path: Path) -> Path:
    """The sample zipped, then marked encrypted as a password-protected zip is (bit 0 of both headers' flags)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.write(SAMPLE_CSV, "npidata_pfile_20050523-20250511.csv")
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + flags_at] |= 0x1
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("make, message", [
    (damaged, "Error: The zip file is damaged: "),
    (encrypted, "Error: The zip file protects npidata_pfile_20050523-20250511.csv with a password"),
    (lzma_packed, "Error: The zip file packs npidata_pfile_20050523-20250511.csv in a way the import does not unpack"),
], ids=["damaged", "encrypted", "lzma"])
def test_a_zip_that_cannot_be_read_is_refused_with_a_message(app, runner, tmp_path, make, message):
    result = runner.invoke(args=["import-nppes", str(make(tmp_path / "NPPES_Data_Dissemination.zip"))])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert nothing_written(app)


# --- JSON --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("document, found", [
    ([[1, 2], [3]], "its first record is a list"),
    ([{"a": 1}], 'its first record is an object without a "number"'),
    ({"result_count": 0, "rows": []}, 'its top-level object has neither "results" nor a "number"'),
    ({"results": {"number": "1043391675"}}, 'its "results" is an object, not a list'),
    ("1043391675", "the file holds a single string"),
], ids=["list-of-lists", "other-objects", "no-results", "results-not-a-list", "string"])
def test_json_of_another_shape_is_refused_saying_what_was_expected(app, runner, tmp_path, document, found):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 1
    assert f"The JSON is not in a shape the import reads: {found}. {EXPECTED_JSON}" in result.output
    assert nothing_written(app)


def test_an_empty_results_page_and_a_single_record_are_shapes_the_import_reads(app, runner, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"result_count": 0, "results": []}), encoding="utf-8")
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 0 and "0 rows read" in result.output

    record = next(r for r in api_results()["results"] if r["number"] == PSYCHIATRIST_NPI)
    path.write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 0 and "1 rows read" in result.output and "1 added" in result.output


def test_json_records_that_are_no_providers_or_too_large_are_reported_and_the_rest_goes_in(app, runner, tmp_path):
    results = api_results()["results"]
    huge = dict(results[0], other_names=[{"organization_name": "X" * 100}] * (MAX_RECORD_BYTES // 100))
    records = results[:4] + [[1]] + results[4:5] + [{"name": "no number"}] + results[5:6] + [huge] + results[6:]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"result_count": len(records), "results": records}), encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import-nppes", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert f"{len(records)} rows read" in result.output and f"{SAMPLE_KEPT} added" in result.output
    assert [(r["line"], r["npi"], r["reason"]) for r in report_rows(report)] == [
        ("5", "", "not an NPI Registry record: a list"),
        ("7", "", 'not an NPI Registry record: an object without a "number"'),
        ("9", "", f"record too large: more than {MAX_RECORD_BYTES:,} bytes of JSON; not read"),
    ]


def test_a_json_value_too_long_to_hold_stops_the_import(app, runner, tmp_path):
    path = tmp_path / "registry.json"
    with open(path, "wb") as handle:
        handle.write(b'{"results": [{"number": "')
        write_repeated(handle, 8 << 20, b"1")
        handle.write(b'"}]}')
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 1
    assert f"The JSON file holds a value longer than {MAX_RECORD_BYTES:,} bytes (near byte" in result.output
    assert nothing_written(app)


def test_json_that_is_not_utf8_is_refused_naming_its_encoding(app, runner, tmp_path):
    text = json.dumps(api_results(), ensure_ascii=False).replace("DEGUZMAN", "DEGUZMÁN")
    path = tmp_path / "registry.json"
    path.write_bytes(text.encode("cp1252"))
    result = runner.invoke(args=["import-nppes", str(path)])
    assert result.exit_code == 1
    assert "The JSON file is not UTF-8, as JSON must be: it looks like Windows-1252 (cp1252)." in result.output
    assert nothing_written(app)


# --- Memory, measured in a fresh process ----------------------------------------------------------------------------

LONG_LINE = 64 << 20


def csv_with_a_long_line(path: Path) -> Path:
    lines = sample_lines()
    with open(path, "wb") as handle:
        handle.writelines(lines[:4])
        write_repeated(handle, LONG_LINE)  # line 5
        handle.write(b"\n")
        handle.writelines(lines[4:])
    return path


def csv_without_line_breaks(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(2 << 30)
    return path


def zip_with_a_long_line(path: Path) -> Path:
    csv_path = csv_with_a_long_line(path.with_suffix(".csv"))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.write(csv_path, "npidata_pfile_20050523-20250511.csv")
    csv_path.unlink()
    return path


def json_records(path: Path, size: int, record_text) -> Path:
    """A JSON "results" list of about `size` bytes, record_text(n) giving each record's text."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"result_count": 0, "results": [')
        written = n = 0
        while written < size:
            piece = ("," if n else "") + record_text(n)
            handle.write(piece)
            written, n = written + len(piece), n + 1
        handle.write("]}")
    return path


def json_of_organizations(path: Path) -> Path:
    """32 MiB of registry records, all organizations (read, none kept, so nothing to write)."""
    texts = [json.dumps(dict(r, enumeration_type="NPI-2")) for r in api_results()["results"]]
    return json_records(path, 32 << 20, lambda n: texts[n % len(texts)])


def json_of_lists(path: Path) -> Path:
    """32 MiB of JSON in no shape the registry uses: a list of lists."""
    return json_records(path, 32 << 20, lambda n: json.dumps([n, "x" * 100]))


@pytest.fixture
def probe_database(backend, tmp_path):
    """A database URL of its own for the probe process: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'probe.sqlite'}"
        return
    schema = f"nppes_probe_{os.getpid()}_{uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_SERVER_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_SERVER_URL}{'&' if '?' in POSTGRES_SERVER_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.parametrize("make, exit_code, said, reported", [
    (csv_with_a_long_line, 1, f"{SAMPLE_KEPT} added", [("5", "", too_long(LONG_LINE + 1))]),
    (csv_without_line_breaks, 1, f"The first line runs past {MAX_LINE_BYTES:,} bytes without a line break", []),
    (zip_with_a_long_line, 1, f"{SAMPLE_KEPT} added", [("5", "", too_long(LONG_LINE + 1))]),
    (json_of_organizations, 0, "0 rejected", []),
    (json_of_lists, 1, f"The JSON is not in a shape the import reads: its first record is a list. {EXPECTED_JSON}", []),
], ids=["csv-64MiB-line", "csv-2GiB-no-line-break", "zip-64MiB-line", "json-32MiB", "json-32MiB-other-shape"])
def test_memory_stays_bounded_whatever_the_file(probe_database, tmp_path, make, exit_code, said, reported):
    suffix = {"zip": ".zip", "json": ".json"}.get(make.__name__.split("_")[0], ".csv")
    path = make(tmp_path / f"npidata_pfile_bad{suffix}")
    report = tmp_path / "report.csv"
    run = subprocess.run([sys.executable, str(PROBE), probe_database, str(path), str(report)], capture_output=True,
                         text=True, cwd=PROBE.parents[1])
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["rise_mb"] < MEMORY_RISE_LIMIT_MB, f"memory rose {outcome['rise_mb']:.0f} MB reading {path.name}"
    assert outcome["exception"] is None and outcome["exit_code"] == exit_code, outcome
    assert said in outcome["output"]
    assert [(r["line"], r["npi"], r["reason"]) for r in report_rows(report)] == reported
