"""Helpers for the NPPES import tests: the sample files, and edited copies of them (not a test module)."""
import csv
import json
from pathlib import Path

from sqlalchemy import select

from referral.extensions import db
from referral.models import Provider

DATA = Path(__file__).parent / "data" / "nppes"
SAMPLE_CSV = DATA / "npidata_pfile_sample.csv"
SAMPLE_JSON = DATA / "npi_registry_api_sample.json"
# Kept listings in the samples: 36 behavioral-health individuals, of whom 10 hold only codes the
# directory does not list (behavior technicians, peer specialists, ...).
SAMPLE_KEPT = 26


def sample_rows() -> tuple[list[str], list[list[str]]]:
    """The sample CSV's header and rows."""
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write rows the way CMS does: every value quoted (and in UTF-8, unless told otherwise)."""
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def edited_sample(path: Path, edit, encoding: str = "utf-8") -> Path:
    """A copy of the sample CSV with edit(header_index, rows) applied to its rows."""
    header, rows = sample_rows()
    index = {name: i for i, name in enumerate(header)}
    edit(index, rows)
    return write_csv(path, header, rows, encoding)


def row_of(rows: list[list[str]], npi: str) -> list[str]:
    """The row of one NPI."""
    return next(row for row in rows if row[0] == npi)


def directory_snapshot() -> dict[str, tuple]:
    """Every listing by NPI, as a person reading the profile would compare them."""
    db.session.expire_all()
    snapshot = {}
    for p in db.session.scalars(select(Provider).order_by(Provider.npi)):
        snapshot[p.npi] = (
            p.first_name, p.last_name, p.credentials, p.provider_type.slug, p.taxonomy_code, p.phone,
            tuple((lic.state, lic.number) for lic in sorted(p.licenses, key=lambda lic: (lic.state, lic.number))),
            tuple((o.address1, o.address2, o.city, o.state, o.zip) for o in p.offices),
            p.active, p.listing_status, p.source,
        )
    return snapshot


def versions() -> dict[str, int]:
    """version_id of every listing by NPI."""
    db.session.expire_all()
    return dict(db.session.execute(select(Provider.npi, Provider.version_id)).all())


def api_results() -> dict:
    """The API sample, parsed."""
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


def report_rows(path) -> list[dict]:
    """The rows of an import's report file."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def line_of(npi: str) -> int:
    """The file line of an NPI's row in the sample (the header is line 1)."""
    _, rows = sample_rows()
    return 2 + [row[0] for row in rows].index(npi)
