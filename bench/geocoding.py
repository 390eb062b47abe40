"""Geocoding benchmark: the cost of the first lookup in a fresh process, and whether answers agree.

Compares two ways of building the offline geocoder's ZIP index, each in fresh processes:

  old  the index built from the zipcodes package, as referral/services/geocoding.py did at
       --old-ref (read with ``git show``, so the package must be installed: requirements-dev.txt);
  new  the index read from the ZIP table, seed_data/geo/zip_centroids.csv (the current module).

For each it prints the wall time of loading the module, of the first
``OfflineGeocoder().locate("10025")`` (which builds the index) and of a second lookup, and how much
the process's resident memory grew in the first lookup: VmRSS after minus before, and peak RSS
(ru_maxrss) minus RSS before. Figures are medians over --runs processes per approach, the two
approaches run alternately; then the ratios old/new. Last it checks that both give identical
answers for every five-digit ZIP, every city of the table (also spelt with "Saint"), and
state_at() over a half-degree grid covering the states and territories.

    .venv/bin/python bench/geocoding.py [--runs 5] [--old-ref <commit>]
"""
from __future__ import annotations

import argparse
import csv
import json
import pickle
import resource
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The last commit whose geocoder built its index from the zipcodes package.
DEFAULT_OLD_REF = "c7805f2a656229b04efbab16ad235769f3304809"
MODULE_PATH = "referral/services/geocoding.py"


def rss_kb() -> int:
    """This process's resident set size now, in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def module_source(approach: str, old_ref: str) -> str:
    """The source of the geocoding module of one approach: the working tree's, or the one at old_ref."""
    if approach == "new":
        return (ROOT / MODULE_PATH).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "show", f"{old_ref}:{MODULE_PATH}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def load_module(approach: str, source: str) -> types.ModuleType:
    """Execute a geocoding module's source as a module of its own, outside the ``referral`` package.

    Both approaches are loaded this way, so neither import pays for Flask and the figures compare.
    """
    module = types.ModuleType(f"geocoding_{approach}")
    module.__file__ = str(ROOT / MODULE_PATH)  # the new module finds seed_data/geo from its own path
    sys.modules[module.__name__] = module  # dataclasses look their module up while being defined
    exec(compile(source, f"{approach}:{MODULE_PATH}", "exec"), module.__dict__)
    return module


def measure(approach: str, old_ref: str) -> dict:
    """In a fresh process: time and memory of the first and second lookups."""
    source = module_source(approach, old_ref)
    started = time.perf_counter()
    geocoding = load_module(approach, source)
    import_seconds = time.perf_counter() - started
    geocoder = geocoding.OfflineGeocoder()
    rss_before = rss_kb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    place = geocoder.locate("10025")
    first = time.perf_counter() - started
    rss_after = rss_kb()
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    geocoder.locate("83702")
    second = time.perf_counter() - started
    return {
        "import_seconds": import_seconds,
        "first_seconds": first,
        "second_seconds": second,
        "rss_growth_kb": rss_after - rss_before,
        "peak_growth_kb": max(peak_after, peak_before) - rss_before,
        "place": repr(place),
    }


def answers(approach: str, old_ref: str) -> dict:
    """Every answer the geocoder gives for ZIPs, the table's cities and a grid of points."""
    geocoder = load_module(approach, module_source(approach, old_ref)).OfflineGeocoder()
    zips = {f"{n:05d}": geocoder.locate(f"{n:05d}") for n in range(100_000)}
    cities = set()
    with open(ROOT / "seed_data" / "geo" / "zip_centroids.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            city, state = row["city"], row["state"]
            cities.add(f"{city}, {state}")
            for short in ("St ", "St. "):
                if city.title().startswith(short):
                    cities.add(f"Saint {city[len(short):]}, {state}")
    by_city = {text: geocoder.locate(text) for text in sorted(cities)}
    # The fifty states, DC, Puerto Rico and the Virgin Islands; American Samoa; Guam to the Marshall Islands.
    boxes = [(-15, 72, -180, -64), (-15, -10, -172, -168), (6, 22, 130, 172)]
    points = [(lat / 2, lng / 2) for south, north, west, east in boxes
              for lat in range(2 * south, 2 * north) for lng in range(2 * west, 2 * east)]
    states = {point: geocoder.state_at(*point) for point in points}
    return {
        "zips": {k: _fields(v) for k, v in zips.items()},
        "cities": {k: _fields(v) for k, v in by_city.items()},
        "states": states,
    }


def _fields(place) -> tuple | None:
    # Plain tuples: the two modules' Place classes differ, and pickling needs importable classes.
    return None if place is None else (place.lat, place.lng, place.label, place.state, place.zip)


def run_child(mode: str, approach: str, old_ref: str):
    """Run one measurement in a fresh interpreter and return what it reports."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, approach, "--old-ref", old_ref],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout
    return pickle.loads(output) if mode == "answers" else json.loads(output)


def main() -> None:
    """Measure both approaches, compare their answers, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per approach (median reported)")
    parser.add_argument("--old-ref", default=DEFAULT_OLD_REF, help="commit of the zipcodes-package geocoder")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "APPROACH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, approach = args.child
        if mode == "measure":
            sys.stdout.write(json.dumps(measure(approach, args.old_ref)))
        else:
            sys.stdout.buffer.write(pickle.dumps(answers(approach, args.old_ref)))
        return

    print(f"Python {sys.version.split()[0]}, old = {args.old_ref[:12]}:{MODULE_PATH}, {args.runs} runs each")
    print(f"{'approach':<9}{'import':>10}{'1st locate':>12}{'2nd locate':>12}{'RSS growth':>12}{'peak growth':>13}")
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(args.runs):
        for approach in runs:  # alternating, so a busy spell on the machine slows both alike
            runs[approach].append(run_child("measure", approach, args.old_ref))
    medians = {}
    for approach, results in runs.items():
        medians[approach] = {key: statistics.median(r[key] for r in results) for key in results[0] if key != "place"}
        m = medians[approach]
        print(
            f"{approach:<9}{m['import_seconds'] * 1000:>8.1f}ms{m['first_seconds'] * 1000:>10.1f}ms"
            f"{m['second_seconds'] * 1e6:>10.1f}us{m['rss_growth_kb'] / 1024:>9.1f}MiB"
            f"{m['peak_growth_kb'] / 1024:>10.1f}MiB"
        )
        print(f"{'':<9}first answer: {results[0]['place']}")
    old, new = medians["old"], medians["new"]
    print(
        f"ratio old/new: first locate {old['first_seconds'] / new['first_seconds']:.1f}x, "
        f"RSS growth {old['rss_growth_kb'] / max(new['rss_growth_kb'], 1):.1f}x, "
        f"peak growth {old['peak_growth_kb'] / max(new['peak_growth_kb'], 1):.1f}x"
    )

    old_answers, new_answers = run_child("answers", "old", args.old_ref), run_child("answers", "new", args.old_ref)
    for part in ("zips", "cities", "states"):
        differing = [k for k in old_answers[part] if old_answers[part][k] != new_answers[part].get(k)]
        found = sum(1 for v in new_answers[part].values() if v is not None)
        same = not differing and old_answers[part].keys() == new_answers[part].keys()
        verdict = "identical" if same else f"{len(differing)} DIFFER, e.g. {differing[:5]}"
        print(f"answers for {len(old_answers[part]):,} {part} ({found:,} found): {verdict}")


if __name__ == "__main__":
    main()
