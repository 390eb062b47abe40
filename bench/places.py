"""Place-lookup benchmark: the cost of the first typed-place lookup in a fresh process.

In each fresh process it times importing referral.services.places, the first
``find_place("Bosie, ID", OfflineGeocoder())`` (which reads the ZIP table and the GeoNames place
table, seed_data/geo/places_geonames.csv), and then lookups with both indexes loaded: a typo
("Bosie, ID"), an ambiguous name ("Springfield") and a typo matched nationwide ("Sprngfield").
Memory is as in bench/geocoding.py: VmRSS after the first lookup minus before, and peak RSS
(ru_maxrss) minus RSS before. Figures are medians over --runs processes.

    .venv/bin/python bench/places.py [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from geocoding import rss_kb  # noqa: E402  (bench/geocoding.py: this process's resident set size)
LATER = ("Bosie, ID", "Springfield", "Sprngfield")


def measure() -> dict:
    """In this (fresh) process: time and memory of the first lookup, then the time of later ones."""
    started = time.perf_counter()
    from referral.services.geocoding import OfflineGeocoder
    from referral.services.places import find_place

    figures = {"import_seconds": time.perf_counter() - started}
    geocoder = OfflineGeocoder()
    rss_before = rss_kb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    find_place("Bosie, ID", geocoder)
    figures["first_seconds"] = time.perf_counter() - started
    figures["rss_growth_kb"] = rss_kb() - rss_before
    figures["peak_growth_kb"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, peak_before) - rss_before
    for text in LATER:
        started = time.perf_counter()
        find_place(text, geocoder)
        figures[text] = time.perf_counter() - started
    return figures


def main() -> None:
    """Measure in fresh processes and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes (median reported)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(measure()))
        return
    runs = [json.loads(subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT, check=True,
                                      capture_output=True).stdout) for _ in range(args.runs)]
    m = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh processes, medians")
    print(f"import {m['import_seconds'] * 1000:.1f}ms; first lookup {m['first_seconds'] * 1000:.1f}ms, "
          f"RSS growth {m['rss_growth_kb'] / 1024:.1f}MiB, peak growth {m['peak_growth_kb'] / 1024:.1f}MiB")
    for text in LATER:
        print(f"then {text!r}: {m[text] * 1000:.2f}ms")


if __name__ == "__main__":
    main()
