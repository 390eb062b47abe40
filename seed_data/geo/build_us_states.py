"""Build us_states.json from us-atlas's states-10m.json (run once; the output is shipped).

Usage: python seed_data/geo/build_us_states.py path/to/states-10m.json
(`npm pack us-atlas@3` gives the package; states-10m.json is in it.)
"""
import json
import sys
from pathlib import Path

# Census FIPS state codes to postal codes; the states-10m geometries are keyed by FIPS.
FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
    "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}
TOLERANCE = 0.01  # degrees (about half a mile): points closer than this to the last kept one are dropped


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Each arc as absolute [lng, lat] points: TopoJSON stores quantized deltas."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(indexes: list[int], arcs: list) -> list[tuple[float, float]]:
    """Join a ring's arcs; index ~i is arc i reversed; each arc repeats the last point of the one before."""
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def simplify(points: list, tolerance: float = TOLERANCE) -> list[list[float]]:
    """Drop points within `tolerance` of the last one kept, always keeping the ring's end, rounded to 3 decimals."""
    kept = [points[0]]
    for point in points[1:-1]:
        if abs(point[0] - kept[-1][0]) >= tolerance or abs(point[1] - kept[-1][1]) >= tolerance:
            kept.append(point)
    kept.append(points[-1])
    return [[round(x, 3), round(y, 3)] for x, y in kept]


def build(topology: dict) -> dict:
    """State code to {name, rings}; rings of fewer than four points after simplifying are dropped."""
    arcs = decode_arcs(topology)
    states = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [simplify(ring_points(ring, arcs)) for polygon in polygons for ring in polygon]
        states[FIPS[geometry["id"]]] = {"name": geometry["properties"]["name"],
                                        "rings": [ring for ring in rings if len(ring) >= 4]}
    return dict(sorted(states.items()))


def main() -> None:
    """Read the TopoJSON named on the command line and write us_states.json beside this script."""
    topology = json.loads(Path(sys.argv[1]).read_text())
    out = Path(__file__).with_name("us_states.json")
    out.write_text(json.dumps(build(topology), separators=(",", ":")))
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
