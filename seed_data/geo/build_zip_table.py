"""Write seed_data/geo/zip_centroids.csv, the ZIP table the offline geocoder reads, from the zipcodes package.

One row per ZIP code of the postal areas the geocoder knows (``POSTAL_AREAS``) that has a centroid;
rows without coordinates or at 0,0 are left out. Rows are ordered by postal area, then ZIP code.
Coordinates and city names are the package's own text, unchanged, so the geocoder reads the same
values the package gives. Columns:

  zip       five-digit ZIP code
  lat, lng  the ZIP's centroid in decimal degrees
  state     two-letter postal area
  city      the ZIP's primary city, as the package spells it
  standard  1 for a STANDARD ZIP, 0 for PO BOX, UNIQUE and MILITARY ZIPs

The output is deterministic: running the script twice with the same zipcodes version (pinned in
requirements-dev.txt) gives a byte-identical file. See ZIP_DATA_NOTICE.txt for the data's sources.

    .venv/bin/python seed_data/geo/build_zip_table.py [output.csv]
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import zipcodes

GEO_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(GEO_DIR.parents[1]))  # run as a script: make `referral` importable

from referral.services.geocoding import POSTAL_AREAS, ZIP_TABLE_COLUMNS  # noqa: E402

DEFAULT_OUTPUT = GEO_DIR / "zip_centroids.csv"


def zip_rows() -> list[tuple[str, str, str, str, str, str]]:
    """The table's rows, in file order."""
    rows = []
    for area in POSTAL_AREAS:
        for row in sorted(zipcodes.filter_by(state=area), key=lambda r: r["zip_code"]):
            try:
                lat, lng = float(row["lat"]), float(row["long"])
            except (TypeError, ValueError):
                continue
            if lat == 0 and lng == 0:
                continue
            standard = "1" if row["zip_code_type"] == "STANDARD" else "0"
            rows.append((row["zip_code"], row["lat"].strip(), row["long"].strip(), area, row["city"], standard))
    return rows


def generate(output: Path = DEFAULT_OUTPUT) -> int:
    """Write the table to output; returns the number of ZIP rows."""
    rows = zip_rows()
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ZIP_TABLE_COLUMNS)
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    count = generate(target)
    print(f"{target}: {count} ZIP codes (zipcodes {zipcodes.__version__})")
