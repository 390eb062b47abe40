"""Write seed_data/geo/places_geonames.csv, the place names the search matches typed places against.

Read from the GeoNames extract us_cities_geonames_pop500.csv (US places, nearly all of 500 people or more; see
GEONAMES_NOTICE.txt). Kept: places in the postal areas the geocoder knows (``US_STATES``) whose name
has no comma (a comma separates city from state in what people type); where a state has two places
of one name, the more populous. Rows are ordered by state, then name. Columns:

  name        the place's name, as GeoNames spells it
  state       two-letter postal code
  lat, lng    the place's point in decimal degrees, as given
  population  GeoNames' population figure

The output is deterministic: the same source gives a byte-identical file.

    .venv/bin/python seed_data/geo/build_place_table.py [source.csv [output.csv]]
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

GEO_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(GEO_DIR.parents[1]))  # run as a script: make `referral` importable

from referral.services.geocoding import US_STATES  # noqa: E402
from referral.services.places import PLACE_TABLE_COLUMNS  # noqa: E402

DEFAULT_SOURCE = GEO_DIR.parents[2] / "shared" / "data" / "us_cities_geonames_pop500.csv"
DEFAULT_OUTPUT = GEO_DIR / "places_geonames.csv"


def place_rows(source: Path) -> list[tuple[str, str, str, str, str]]:
    """The table's rows, in file order."""
    kept: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
    with open(source, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name, state = row["name"].strip(), row["state"]
            if state not in US_STATES or "," in name or not name:
                continue
            entry = (name, state, row["latitude"], row["longitude"], row["population"])
            key = (name.lower(), state)
            if key not in kept or int(entry[4]) > int(kept[key][4]):
                kept[key] = entry
    return sorted(kept.values(), key=lambda entry: (entry[1], entry[0].lower(), entry[0]))


def generate(source: Path = DEFAULT_SOURCE, output: Path = DEFAULT_OUTPUT) -> int:
    """Write the table to output; returns the number of places."""
    rows = place_rows(source)
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PLACE_TABLE_COLUMNS)
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUTPUT
    print(f"{target}: {generate(source, target)} places from {source}")
