"""Generate seed_data/demo_providers.json, the fictional demo directory.

Every provider here is invented: the names are built from made-up surname stems, the phone
numbers sit in the 555-01XX range reserved for fiction, websites point at example.org /
example.com, and street addresses are generic. Only the ZIP centroids are real (taken from the
`zipcodes` package) so that distance search behaves as it would on real data.

The output is deterministic: one seeded ``random.Random(2026)``, inputs read in sorted order,
and ``json.dumps(indent=1, sort_keys=True, ensure_ascii=False)``. Running the script twice
gives a byte-identical file. The attributes added later (standard fee, free consultation,
gender, pronouns, LGBTQ+-affirming practice, ethnicities, faith, office hours) come from a
second generator per provider, ``random.Random("2026:listing-attributes:<npi>")``, so that adding
them changed none of the values drawn before.

    .venv/bin/python seed_data/generate_demo.py [output.json]
"""
from __future__ import annotations

import csv
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

import zipcodes

SEED = 2026
SEED_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = SEED_DIR / "reference"
DEFAULT_OUTPUT = SEED_DIR / "demo_providers.json"
EARTH_RADIUS_MILES = 6371.009 / 1.609344

# --------------------------------------------------------------------------------------------
# Places: (key, label, centre ZIP, radius in miles, states allowed, providers, fee multiplier).
# "counties" narrows a pool to some counties (the Manhattan cluster around 10025).
# --------------------------------------------------------------------------------------------
METROS = [
    dict(key="nyc-uws", label="New York, NY (Manhattan, around 10025)", centre="10025", radius=4.5,
         states=("NY",), counties=("New York County",), count=85, fees=1.35, focus=("10025", 1.5),
         decay=1.5),
    dict(key="nyc", label="New York, NY (other boroughs and Midtown)", centre="10016", radius=11,
         states=("NY",), counties=("New York County", "Kings County", "Queens County", "Bronx County"),
         count=60, fees=1.2),
    dict(key="boise", label="Boise, ID", centre="83702", radius=15, states=("ID",), count=26, fees=0.9),
    dict(key="chicago", label="Chicago, IL", centre="60611", radius=14, states=("IL",), count=46, fees=1.05),
    dict(key="los-angeles", label="Los Angeles, CA", centre="90036", radius=14, states=("CA",), count=50, fees=1.2),
    dict(key="san-francisco", label="San Francisco, CA", centre="94103", radius=11, states=("CA",), count=44,
         fees=1.3),
    dict(key="boston", label="Boston, MA", centre="02116", radius=10, states=("MA",), count=44, fees=1.15),
    dict(key="seattle", label="Seattle, WA", centre="98101", radius=12, states=("WA",), count=36, fees=1.1),
    dict(key="denver", label="Denver, CO", centre="80202", radius=14, states=("CO",), count=34, fees=1.0),
    dict(key="atlanta", label="Atlanta, GA", centre="30308", radius=15, states=("GA",), count=34, fees=0.95),
    dict(key="houston", label="Houston, TX", centre="77002", radius=18, states=("TX",), count=38, fees=0.95),
    dict(key="philadelphia", label="Philadelphia, PA", centre="19103", radius=12, states=("PA",), count=38,
         fees=1.0),
    dict(key="minneapolis", label="Minneapolis-Saint Paul, MN", centre="55402", radius=14, states=("MN",),
         count=32, fees=0.95),
    dict(key="washington", label="Washington, DC", centre="20005", radius=10, states=("DC", "MD", "VA"),
         count=44, fees=1.15),
    dict(key="austin", label="Austin, TX", centre="78701", radius=15, states=("TX",), count=34, fees=1.0),
    dict(key="portland", label="Portland, OR", centre="97205", radius=12, states=("OR",), count=28, fees=1.0),
    dict(key="nashville", label="Nashville, TN", centre="37203", radius=14, states=("TN",), count=24, fees=0.95),
]
# Rural towns: the town's own ZIP, a handful of providers each, lower fees, more telehealth.
RURAL = [
    dict(key="pierre", label="Pierre, SD", centre="57501", count=3),
    dict(key="ely", label="Ely, NV", centre="89301", count=2),
    dict(key="hays", label="Hays, KS", centre="67601", count=4),
    dict(key="houlton", label="Houlton, ME", centre="04730", count=2),
    dict(key="alpine", label="Alpine, TX", centre="79830", count=2),
    dict(key="cody", label="Cody, WY", centre="82414", count=3),
    dict(key="elkins", label="Elkins, WV", centre="26241", count=3),
    dict(key="bemidji", label="Bemidji, MN", centre="56601", count=5),
    dict(key="valentine", label="Valentine, NE", centre="69201", count=1),
    dict(key="havre", label="Havre, MT", centre="59501", count=2),
]
NEIGHBOURS = {
    "NY": ("NJ", "CT"), "ID": ("OR", "WA", "UT"), "IL": ("IN", "WI"), "CA": ("NV", "OR"), "MA": ("NH", "RI"),
    "WA": ("OR", "ID"), "CO": ("WY", "NM"), "GA": ("TN", "SC"), "TX": ("LA", "NM"), "PA": ("NJ", "DE"),
    "MN": ("WI", "ND"), "DC": ("MD", "VA"), "MD": ("DC", "VA"), "VA": ("DC", "MD"), "OR": ("WA",),
    "TN": ("KY", "GA"), "SD": ("ND", "NE"), "NV": ("UT", "ID"), "KS": ("NE", "CO"), "ME": ("NH",),
    "WY": ("MT", "CO"), "WV": ("VA", "PA"), "NE": ("SD", "IA"), "MT": ("ND", "ID"),
}
# Second language, weighted per state (Spanish the most common overall).
LANGUAGE_WEIGHTS = {
    "default": {"es": 10, "fr": 1, "de": 1, "pt": 1, "hi": 1, "ar": 1, "fa": 1},
    "NY": {"es": 10, "ru": 3, "zh": 3, "yi": 2, "he": 2, "ht": 2, "fr": 2, "it": 1, "pl": 1, "ko": 1, "uk": 1},
    "CA": {"es": 12, "zh": 4, "vi": 3, "tl": 3, "ko": 3, "fa": 2, "ja": 1, "ru": 1},
    "TX": {"es": 16, "vi": 2, "zh": 1, "hi": 1, "ar": 1},
    "MA": {"es": 8, "pt": 4, "ht": 3, "zh": 2, "vi": 1},
    "WA": {"es": 8, "vi": 3, "ko": 3, "zh": 3, "tl": 2, "uk": 1, "ru": 1},
    "IL": {"es": 10, "pl": 4, "zh": 1, "ar": 1, "ko": 1},
    "DC": {"es": 10, "fr": 3, "ar": 1, "fa": 1, "ko": 1, "vi": 1},
    "MD": {"es": 10, "fr": 2, "ko": 2, "zh": 1},
    "VA": {"es": 10, "ko": 2, "vi": 2, "fa": 2, "ar": 1},
    "MN": {"es": 6, "vi": 1, "ru": 1, "de": 1},
    "PA": {"es": 8, "ru": 2, "zh": 1, "vi": 1, "it": 1},
}
MANHATTAN_EXTRA_ZIPS = {"10044", "10065", "10069", "10075", "10128", "10280", "10282"}
KAISER_STATES = {"CA", "CO", "GA", "WA", "OR", "DC", "MD", "VA"}

# --------------------------------------------------------------------------------------------
# Provider types: share, credentials, NUCC taxonomy codes, fee range before the metro multiplier.
# --------------------------------------------------------------------------------------------
TYPES = {
    "psychologist": dict(share=25, fee=(150, 300), psychodynamic=0.34, child=0.20),
    "clinical-social-worker": dict(share=30, fee=(90, 200), psychodynamic=0.32, child=0.20),
    "counselor": dict(share=15, fee=(90, 190), psychodynamic=0.18, child=0.20),
    "marriage-family-therapist": dict(share=8, fee=(100, 200), psychodynamic=0.12, child=0.30),
    "psychiatrist": dict(share=12, fee=(250, 500), psychodynamic=0.30, child=0.15),
    "psychiatric-nurse-practitioner": dict(share=6, fee=(150, 300), psychodynamic=0.0, child=0.15),
    "psychoanalyst": dict(share=4, fee=(150, 300), psychodynamic=1.0, child=0.05),
}
# Manhattan's Upper West Side leans analytic.
UWS_TYPE_SHARES = {"psychologist": 28, "clinical-social-worker": 28, "counselor": 6, "marriage-family-therapist": 4,
                   "psychiatrist": 16, "psychiatric-nurse-practitioner": 4, "psychoanalyst": 14}
COUNSELOR_CREDENTIALS = {"NY": "LMHC", "MA": "LMHC", "WA": "LMHC", "IL": "LCPC", "ID": "LCPC", "ME": "LCPC",
                         "MD": "LCPC", "MT": "LCPC", "CA": "LPCC", "MN": "LPCC", "NE": "LIMHP"}
SOCIAL_WORK_CREDENTIALS = {"NY": ("LCSW", "LCSW-R"), "MA": ("LICSW",), "DC": ("LICSW",), "WA": ("LICSW",),
                           "MN": ("LICSW",), "ME": ("LCSW",), "MD": ("LCSW-C",)}

# --------------------------------------------------------------------------------------------
# Names: ordinary first names with surnames built from invented stems, so nobody real is named.
# --------------------------------------------------------------------------------------------
FIRST_NAMES = """
Aaron Abigail Adrian Aisha Alejandro Alice Amara Andrea Anjali Anna Ben Beatriz Caleb Camille Carmen
Caroline Chloe Claire Daniel Daniela David Deborah Diego Eleanor Elena Eli Elise Emily Esther Ethan Farah
Felix Fiona Gabriel Grace Hannah Helen Henry Imani Isaac Ivan Jacob Jade James Jasmine Jonah Joseph Julia
Julian Kai Karen Kenji Laila Laura Leah Lena Leo Lucia Malik Marcus Margaret Maria Marisol Martin Maya Meera
Michael Miriam Naomi Nathan Nadia Nina Noah Nora Olivia Omar Paul Priya Rachel Rafael Rebecca Renee Rosa Ruth
Samuel Sara Simone Sofia Stephen Tamar Teresa Thomas Valerie Vanessa Victor Walter Yara Yusuf Zoe
""".split()
SURNAME_STEMS = """
Quillfeather Marrowby Brightwater Thistlewynd Hollowmere Larkspurrow Kestrelby Fernwhistle Duskmoor Velloway
Mirrowfen Oakhallow Brindlecombe Saltonbrook Ambersleigh Corrowind Wrenfallow Pellowmere Ashquillan Tansley-Oake
Greythistle Cindervale Mossgrieve Farrowdale Juniperra Orchardine Willowhythe Pennyquist Harrowquay Lindqvarn
Sorrelby Tamberlyn Quennick Bramblecote Fennimore-Vale Starlingham Rookwhistle Meadowquill Everhollow Bellwarren
Foxglovia Dunmarrow Tidemarrow Glimmerton Hazelmarsh Wintersby Thornabee Moorquell Pebblesworth Rushquillon
Vantrelle Aldervane Crestmoor Feverfew Larchquill-Ives Nettlequist Oriel-Hasquith Plumbrindle Ravenquill
Silverbrindle Sparrowdale Tumblesworth Umberquay Wickerhythe-Lowe Yarrowby Zephyrine Amblecroft Bittersby
Coldmarrow Drummondale Quillanby Marrowquist Fenlowe-Brightly Vellacourt Ondersley Brackenquill Hollisbrook
""".split()
COMPOUND_PARTS = """
Oake Vale Reyes Lyle Osei Abadi Diaz Nakashima Castellanos Adeyemi Lindgren Moreau Okafor Petrov Haddad Kowal
Brandt Delacroix Mbeki Sato Ferreira Novak Quintero Halloran Achebe Tanaka Rossetti Varga Oduya Ibarra
""".split()

# --------------------------------------------------------------------------------------------
# Clinical content (slugs from seed_data/reference).
# --------------------------------------------------------------------------------------------
CBT_FAMILY = ["dbt", "act", "erp", "prolonged-exposure", "cpt", "behavioral-activation", "mbct", "schema", "cft",
              "mi", "emdr"]
INTEGRATIVE = ["person-centered", "ifs", "emdr", "narrative", "sfbt", "somatic", "gestalt", "existential", "act",
               "mi", "cft", "ipt", "art", "group", "mbct"]
DYNAMIC_EXTRAS = ["ipt", "mbt", "tfp", "existential", "emdr", "ifs", "group", "somatic"]
COUPLES = ["couples", "gottman", "eft"]
CHILD = ["play", "pcit", "tf-cbt"]
MODALITY_CONCERNS = {
    "erp": ["ocd"], "dbt": ["bpd", "self-harm", "suicidal"], "prolonged-exposure": ["ptsd"], "cpt": ["ptsd"],
    "tf-cbt": ["ptsd"], "emdr": ["ptsd"], "couples": ["relationship"], "gottman": ["relationship"],
    "eft": ["relationship"], "tfp": ["bpd", "personality"], "mbt": ["bpd"], "pcit": ["parenting", "odd"],
    "play": ["anxiety", "adjustment"], "behavioral-activation": ["depression"], "mbct": ["depression"],
    "mi": ["alcohol", "cannabis"], "family-systems": ["family-conflict"], "schema": ["personality"],
}
GENERAL_CONCERNS = {"depression": 10, "anxiety": 10, "adjustment": 6, "grief": 5, "relationship": 5,
                    "social-anxiety": 4, "panic": 4, "ptsd": 5, "phobias": 2, "ocd": 2, "insomnia": 2, "eating": 2,
                    "gender-dysphoria": 2, "family-conflict": 3, "personality": 2, "alcohol": 2, "self-harm": 1,
                    "suicidal": 1, "bipolar": 1, "adhd": 2}
PRESCRIBER_CONCERNS = {"depression": 10, "anxiety": 9, "bipolar": 7, "adhd": 6, "psychosis": 5, "ocd": 4,
                       "ptsd": 4, "panic": 4, "insomnia": 4, "alcohol": 2, "opioid": 2, "eating": 1, "bpd": 1}
CHILD_CONCERNS = {"anxiety": 8, "adhd": 7, "depression": 6, "autism": 4, "odd": 4, "parenting": 5,
                  "family-conflict": 4, "social-anxiety": 3, "self-harm": 2, "eating": 2, "ocd": 2, "ptsd": 2}
MFT_CONCERNS = {"relationship": 10, "family-conflict": 8, "parenting": 6, "grief": 3, "adjustment": 4,
                "depression": 4, "anxiety": 4, "alcohol": 1}

MODALITY_PHRASES = {
    "cbt": "cognitive behavioral therapy", "dbt": "DBT skills", "act": "acceptance and commitment therapy",
    "erp": "exposure and response prevention", "prolonged-exposure": "prolonged exposure",
    "cpt": "cognitive processing therapy", "tf-cbt": "trauma-focused CBT", "emdr": "EMDR",
    "behavioral-activation": "behavioral activation", "mbct": "mindfulness-based cognitive therapy",
    "schema": "schema therapy", "cft": "compassion-focused therapy", "psychodynamic": "psychodynamic therapy",
    "psychoanalytic": "psychoanalytic psychotherapy", "mbt": "mentalization-based treatment",
    "tfp": "transference-focused psychotherapy", "ipt": "interpersonal psychotherapy",
    "ifs": "Internal Family Systems", "family-systems": "family systems work", "couples": "couples therapy",
    "eft": "Emotionally Focused Therapy", "gottman": "the Gottman Method",
    "person-centered": "a person-centered approach",
    "gestalt": "Gestalt therapy", "existential": "existential therapy", "narrative": "narrative therapy",
    "sfbt": "solution-focused therapy", "mi": "motivational interviewing", "somatic": "somatic work",
    "play": "play therapy", "pcit": "parent-child interaction therapy", "group": "group therapy",
    "art": "art therapy", "music": "music therapy", "hypnotherapy": "clinical hypnosis",
    "medication-management": "medication management",
}
CONCERN_PHRASES = {
    "depression": "depression", "anxiety": "anxiety", "panic": "panic attacks", "social-anxiety": "social anxiety",
    "phobias": "fears and phobias", "ocd": "OCD", "ptsd": "the after-effects of trauma",
    "adjustment": "life transitions", "bipolar": "bipolar disorder", "psychosis": "psychosis",
    "adhd": "ADHD", "autism": "autism", "eating": "eating concerns", "bpd": "intense, shifting emotions",
    "personality": "long-standing patterns in relationships", "alcohol": "drinking", "opioid": "opioid use",
    "cannabis": "cannabis use", "insomnia": "sleep problems", "gender-dysphoria": "questions of gender identity",
    "odd": "defiant behavior", "grief": "grief and loss", "relationship": "relationship difficulties",
    "family-conflict": "family conflict", "parenting": "the strains of parenting",
    "suicidal": "thoughts of suicide", "self-harm": "self-harm",
}
LANGUAGE_NAMES = {}  # filled from languages.csv

STREETS = """
Elm Street|Oak Avenue|Maple Street|Cedar Lane|Linden Avenue|Park Place|Willow Street|Chestnut Street|Birch Road|
Spruce Street|Hawthorn Avenue|Juniper Way|Aspen Court|Sycamore Street|Laurel Avenue|Magnolia Drive|Poplar Street|
Walnut Street|Hickory Lane|Alder Street|Larkspur Lane|Fern Street|Orchard Road|Meadow Lane|Ridge Road|
Harbor View Drive|Mill Street|Bridge Street|Church Street|Union Street|Garden Street|River Road|Lake Street|
Grove Avenue|Hillside Avenue|Prospect Street|Summit Avenue|Highland Avenue|College Avenue|Market Street
""".replace("\n", "").split("|")


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of one reference CSV file."""
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def reference_slugs() -> dict[str, list[str]]:
    """Valid slugs per JSON list key, in reference-file order (duplicates removed)."""
    files = {"modalities": "modalities.csv", "frequencies": "frequencies.csv", "concerns": "conditions_icd10cm.csv",
             "insurance": "insurance_plans.csv", "languages": "languages.csv", "age_groups": "age_groups.csv",
             "treatment_lengths": "treatment_lengths.csv", "type": "provider_types.csv",
             "ethnicities": "ethnicities.csv", "faiths": "faiths.csv"}
    return {key: list(dict.fromkeys(row["slug"] for row in read_csv(name))) for key, name in files.items()}


def taxonomy_roles() -> dict[str, str]:
    """NUCC taxonomy code -> app role, from the behavioral-health extract."""
    return {row["code"]: row["app_role"] for row in read_csv("nucc_behavioral_health_v25.1.csv")}


def npi_check_digit(first_nine: str) -> int:
    """The NPI check digit: Luhn over the nine digits with the 80840 prefix (a constant 24)."""
    total = 24
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def standard_zips() -> dict[str, dict]:
    """Active STANDARD ZIP rows with coordinates, keyed by ZIP code."""
    rows = {}
    for row in zipcodes.list_all():
        if row["zip_code_type"] != "STANDARD" or not row.get("active", True):
            continue
        try:
            lat, lng = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        if lat == 0 and lng == 0:
            continue
        rows[row["zip_code"]] = dict(row, lat=lat, lng=lng)
    return dict(sorted(rows.items()))


def residential(row: dict) -> bool:
    """False for Manhattan's single-building and business ZIPs (10041+, 101xx, 102xx)."""
    if row.get("county") != "New York County":
        return True
    return 10001 <= int(row["zip_code"]) <= 10040 or row["zip_code"] in MANHATTAN_EXTRA_ZIPS


def zip_pool(place: dict, zips: dict[str, dict]) -> list[tuple[dict, float]]:
    """The ZIP rows a place draws offices from, each with a weight favouring the centre."""
    centre = zips[place["centre"]]
    radius = place.get("radius")
    if radius is None:
        return [(centre, 1.0)]
    pool = []
    for code, row in zips.items():
        if row["state"] not in place["states"]:
            continue
        if place.get("counties") and row.get("county") not in place["counties"]:
            continue
        if not residential(row):
            continue
        distance = miles(centre["lat"], centre["lng"], row["lat"], row["lng"])
        if distance <= radius:
            pool.append((row, 1.0 / (1.0 + distance / place.get("decay", 4.0))))
    focus = place.get("focus")
    if focus:
        pool = [(row, weight * (1 + focus[1] * (row["zip_code"] == focus[0]))) for row, weight in pool]
    return pool


def pick_weighted(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys drawn without replacement according to weights."""
    items = dict(weights)
    chosen = []
    for _ in range(min(k, len(items))):
        keys = list(items)
        key = rng.choices(keys, weights=[items[name] for name in keys])[0]
        chosen.append(key)
        del items[key]
    return chosen


def chance(rng: random.Random, p: float) -> bool:
    """True with probability p."""
    return rng.random() < p


def make_name(rng: random.Random, used: set[tuple[str, str]]) -> tuple[str, str]:
    """An unused (first, last) pair with an invented surname, sometimes hyphenated."""
    while True:
        first = rng.choice(FIRST_NAMES)
        stem = rng.choice(SURNAME_STEMS)
        roll = rng.random()
        if roll < 0.22 and "-" not in stem:
            last = f"{stem}-{rng.choice(COMPOUND_PARTS)}"
        elif roll < 0.30 and "-" not in stem:
            last = f"{rng.choice(COMPOUND_PARTS)}-{stem}"
        else:
            last = stem
        if (first, last) not in used:
            used.add((first, last))
            return first, last


def credentials_for(rng: random.Random, kind: str, state: str) -> str:
    """Credentials that fit the provider type and licensing state."""
    if kind == "psychiatrist":
        return rng.choices(["MD", "DO", "MD, PhD"], weights=[78, 17, 5])[0]
    if kind == "psychologist":
        return rng.choices(["PhD", "PsyD", "PhD, ABPP"], weights=[55, 38, 7])[0]
    if kind == "clinical-social-worker":
        return rng.choice(SOCIAL_WORK_CREDENTIALS.get(state, ("LCSW",)))
    if kind == "counselor":
        return COUNSELOR_CREDENTIALS.get(state, "LPC")
    if kind == "marriage-family-therapist":
        return rng.choices(["LMFT", "PhD, LMFT"], weights=[88, 12])[0]
    if kind == "psychiatric-nurse-practitioner":
        return rng.choices(["PMHNP-BC", "APRN, PMHNP-BC", "DNP, PMHNP-BC"], weights=[50, 35, 15])[0]
    options = ["PhD, FIPA", "PsyD, FIPA", "LCSW, NCPsyA", "PhD", "MA, NCPsyA"]
    if state == "NY":  # New York licenses psychoanalysts (LP)
        options += ["LP", "LP, NCPsyA"]
    return rng.choice(options)


def taxonomy_for(rng: random.Random, kind: str, child: bool, modalities: list[str], concerns: list[str]) -> str:
    """A NUCC taxonomy code that fits the type and focus."""
    if kind == "psychiatrist":
        if child:
            return "2084P0804X"
        if "opioid" in concerns or "alcohol" in concerns:
            return rng.choices(["2084P0802X", "2084P0800X"], weights=[40, 60])[0]
        return rng.choices(["2084P0800X", "2084P0805X", "2084P0015X"], weights=[90, 6, 4])[0]
    if kind == "psychologist":
        if child:
            return rng.choices(["103TC2200X", "103TC0700X"], weights=[70, 30])[0]
        if "psychoanalytic" in modalities:
            return rng.choices(["103TP0814X", "103TC0700X"], weights=[50, 50])[0]
        return rng.choices(["103TC0700X", "103T00000X", "103TC1900X", "103TB0200X", "103TH0100X"],
                           weights=[60, 12, 12, 10, 6])[0]
    if kind == "clinical-social-worker":
        return "1041C0700X"
    if kind == "counselor":
        return rng.choices(["101YM0800X", "101YP2500X"], weights=[55, 45])[0]
    if kind == "marriage-family-therapist":
        return "106H00000X"
    if kind == "psychiatric-nurse-practitioner":
        return "363LP0808X"
    return "102L00000X"


def clinical_profile(rng: random.Random, kind: str, dynamic_boost: float) -> dict:
    """Modalities, frequencies, concerns, age groups and treatment lengths for one provider."""
    spec = TYPES[kind]
    child = chance(rng, spec["child"] - (0.1 if dynamic_boost else 0))
    prescriber = kind in ("psychiatrist", "psychiatric-nurse-practitioner")
    modalities: list[str] = []
    frequencies: list[str] = []
    if prescriber:
        modalities.append("medication-management")
        if chance(rng, spec["psychodynamic"] + dynamic_boost / 2):
            modalities.append("psychodynamic")
        elif chance(rng, 0.2):
            modalities.append(rng.choice(["cbt", "ipt", "mi"]))
        frequencies += [f for f, p in (("monthly", 0.85), ("as-needed", 0.5), ("biweekly", 0.2)) if chance(rng, p)]
        if "psychodynamic" in modalities or "cbt" in modalities or "ipt" in modalities:
            frequencies.append("weekly")
        if not frequencies:
            frequencies.append("monthly")
    elif kind == "psychoanalyst":
        modalities.append("psychoanalytic")
        if chance(rng, 0.7):
            modalities.append("psychodynamic")
        if chance(rng, 0.25):
            modalities.append(rng.choice(["mbt", "tfp", "existential", "group"]))
        frequencies.append("weekly")
        if chance(rng, 0.75):
            frequencies.append("several-weekly")
        if chance(rng, 0.15):
            frequencies.append("biweekly")
    else:
        dynamic = chance(rng, spec["psychodynamic"] + dynamic_boost)
        if dynamic:
            modalities.append("psychodynamic")
            if kind in ("psychologist", "clinical-social-worker") and chance(rng, 0.18 + dynamic_boost / 2):
                modalities.append("psychoanalytic")
            modalities += rng.sample(DYNAMIC_EXTRAS, rng.choice([0, 1, 1, 2]))
            if chance(rng, 0.22):
                modalities.append("cbt")
        elif chance(rng, 0.55):
            modalities.append("cbt")
            modalities += rng.sample(CBT_FAMILY, rng.choice([1, 1, 2, 3]))
        else:
            modalities += rng.sample(INTEGRATIVE, rng.choice([1, 2, 2, 3]))
            if chance(rng, 0.35):
                modalities.append("cbt")
        if kind == "marriage-family-therapist":
            modalities += ["couples", "family-systems"] + [m for m in ("gottman", "eft") if chance(rng, 0.4)]
        elif not child and chance(rng, 0.08):
            modalities.append("couples" if dynamic else rng.choice(COUPLES))
        if child:
            modalities += [m for m, p in (("play", 0.5), ("pcit", 0.2), ("tf-cbt", 0.35)) if chance(rng, p)]
            if chance(rng, 0.3):
                modalities.append("family-systems")
        if chance(rng, 0.03):
            modalities.append(rng.choice(["music", "hypnotherapy"]))
        frequencies.append("weekly")
        if chance(rng, 0.5):
            frequencies.append("biweekly")
        if "psychoanalytic" in modalities or ("psychodynamic" in modalities and chance(rng, 0.12)):
            frequencies.append("several-weekly")
        if chance(rng, 0.1):
            frequencies.append("monthly")
        if chance(rng, 0.05):
            frequencies.append("as-needed")

    if child:
        ages = ["children", "teens"] if chance(rng, 0.75) else [rng.choice(["children", "teens"])]
        if chance(rng, 0.35):
            ages.append("adults")
    else:
        ages = ["adults"]
        if chance(rng, 0.25):
            ages.append("teens")
        if chance(rng, 0.4):
            ages.append("older-adults")

    if prescriber:
        base = CHILD_CONCERNS if child else PRESCRIBER_CONCERNS
    elif kind == "marriage-family-therapist":
        base = MFT_CONCERNS
    elif child:
        base = CHILD_CONCERNS
    else:
        base = GENERAL_CONCERNS
    concerns = pick_weighted(rng, base, rng.randint(3, 7))
    for modality in modalities:
        for concern in MODALITY_CONCERNS.get(modality, []):
            if concern not in concerns and chance(rng, 0.7):
                concerns.append(concern)
    if kind == "psychoanalyst" and chance(rng, 0.5):
        concerns.append("personality")

    short = {"cbt", "sfbt", "erp", "cpt", "prolonged-exposure", "behavioral-activation", "tf-cbt", "pcit", "ipt"}
    long_ = {"psychodynamic", "psychoanalytic", "tfp", "mbt", "schema", "existential"}
    lengths = []
    if any(m in short for m in modalities) or chance(rng, 0.35):
        lengths.append("short-term")
    if any(m in long_ for m in modalities) or chance(rng, 0.5) or not lengths:
        lengths.append("long-term")
    return dict(child=child, modalities=modalities, frequencies=frequencies, concerns=concerns, age_groups=ages,
                treatment_lengths=lengths)


def insurance_for(rng: random.Random, kind: str, state: str, ages: list[str], rural: bool) -> list[str]:
    """Insurance plans accepted, by type, state and the ages seen."""
    if kind == "psychoanalyst" or (kind == "psychiatrist" and chance(rng, 0.35)):
        return ["self-pay"]
    plans = []
    if not chance(rng, 0.22):  # about a fifth take no insurance at all
        weights = {"aetna": 6, "blue-cross-blue-shield": 8, "cigna": 6, "unitedhealthcare": 6, "humana": 2,
                   "tricare": 4 if rural else 1, "medicare": 5 if "older-adults" in ages else 2,
                   "medicaid": 6 if kind in ("clinical-social-worker", "counselor") or rural else 2}
        if state in KAISER_STATES:
            weights["kaiser-permanente"] = 3
        plans = pick_weighted(rng, weights, rng.randint(1, 5))
    if not plans or chance(rng, 0.8):
        plans.append("self-pay")
    return plans


def fees_for(rng: random.Random, kind: str, multiplier: float, sliding: bool) -> tuple[int, int]:
    """A (min, max) fee per session in USD, rounded to 5."""
    low, high = TYPES[kind]["fee"]
    fee_min = rng.uniform(low, low + (high - low) * 0.55) * multiplier
    fee_max = fee_min + rng.uniform(0, (high - low) * 0.45) * multiplier
    if sliding:
        fee_min *= rng.uniform(0.45, 0.75)
    fee_min, fee_max = (int(round(value / 5.0)) * 5 for value in (fee_min, fee_max))
    return fee_min, max(fee_min, fee_max)


def join_words(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def statement_for(rng: random.Random, record: dict, profile: dict, city: str) -> str:
    """A 2–4 sentence first-person statement from templates and the provider's own lists."""
    kind = record["type"]
    mods = [MODALITY_PHRASES[m] for m in profile["modalities"] if m != "medication-management"]
    concerns = [CONCERN_PHRASES[c] for c in profile["concerns"][:3]]
    ages = profile["age_groups"]
    if ages == ["adults"] or set(ages) == {"adults", "older-adults"}:
        who = rng.choice(["adults", "adults at every stage of life", "people", "adults"])
    elif "children" in ages and "adults" not in ages:
        who = rng.choice(["children, teens and their parents", "young people and their families"])
    elif "teens" in ages and "children" not in ages and "adults" in ages:
        who = rng.choice(["teenagers and adults", "adolescents and adults"])
    else:
        who = "children, teens and adults" if "children" in ages else "young people and their families"
    c_all = join_words(concerns)
    first = rng.choice([
        f"I work with {who} facing {c_all}.",
        f"Many of the {who} I see come to me with {c_all}.",
        f"My practice focuses on {who} living with {c_all}.",
        f"I see {who} who want help with {c_all}.",
        f"People often come to me for help with {c_all}.",
        f"Most of my work is with {who}, often around {c_all}.",
    ])
    sentences = [first]
    if "medication-management" in profile["modalities"]:
        sentences.append(rng.choice([
            "I offer thorough psychiatric evaluations and ongoing medication management, and we decide together "
            "whether medication makes sense for you.",
            "I provide careful evaluations and medication management, and I am glad to coordinate with your "
            "therapist or primary care clinician.",
            "Our first visit is a longer evaluation; after that, follow-up visits focus on how you are doing and "
            "whether any changes make sense.",
        ]))
        if "psychodynamic" in profile["modalities"]:
            sentences.append("For some patients I also offer weekly psychodynamic psychotherapy alongside medication.")
    elif "psychoanalytic" in profile["modalities"]:
        sentences.append(rng.choice([
            "I practice psychoanalysis and psychoanalytic psychotherapy, meeting once or several times a week.",
            "My approach is psychoanalytic: we take time to notice what keeps repeating, including what happens "
            "between us in the room.",
            "I offer psychoanalysis and psychoanalytic psychotherapy for people who want to understand themselves "
            "in depth, not only to get through the next week.",
        ]))
    elif "psychodynamic" in profile["modalities"]:
        sentences.append(rng.choice([
            "I work psychodynamically, paying attention to the patterns that repeat across relationships and how "
            "they took shape.",
            f"My approach is psychodynamic{' and also draws on ' + mods[1] if len(mods) > 1 else ''}: we meet "
            "weekly and make room for whatever feels hardest to say.",
            "In weekly psychodynamic sessions we look at feelings and patterns that are easy to sidestep, at a "
            "pace that feels manageable.",
        ]))
    elif mods:
        sentences.append(rng.choice([
            f"I draw on {join_words(mods[:2])}, adapted to what each person needs.",
            f"My training is in {join_words(mods[:2])}, and sessions tend to be collaborative and practical.",
            f"I use {join_words(mods[:3])}, and I will explain what we are doing and why as we go.",
        ]))
    extras = [
        rng.choice([
            "The first conversation is a chance to see whether we are a good fit.",
            "I try to make therapy a place where you can be honest without being judged.",
            "I value warmth, directness and a good sense of humor in the room.",
            "I welcome clients of all backgrounds, identities and family structures.",
            "Before we start, I am happy to answer questions by phone.",
        ]),
    ]
    second_language = [lang for lang in record["languages"] if lang != "en"]
    if second_language:
        extras.append(f"Sessions are available in {LANGUAGE_NAMES[second_language[0]]} as well as English.")
    if record["telehealth"] and record["in_person"]:
        extras.append(f"I see clients in person in {city} and by secure video.")
    elif record["telehealth"]:
        extras.append("All sessions are held by secure video.")
    if record["sliding_scale"]:
        extras.append("I keep a few sliding-scale openings for people who need a reduced fee.")
    rng.shuffle(extras)
    sentences += extras[: rng.randint(0, 2)]
    sentences = sentences[:4]
    if len(sentences) >= 3 or (len(sentences) == 2 and chance(rng, 0.2)):
        cut = rng.choice([1, 2]) if len(sentences) >= 3 else 1
        return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
    return " ".join(sentences)


def office_for(rng: random.Random, row: dict, suite_ok: bool = True) -> dict:
    """A fictional street address at a real ZIP centroid."""
    street = f"{rng.randint(2, 48) * 10 + rng.randint(0, 9)} {rng.choice(STREETS)}"
    if suite_ok and chance(rng, 0.6):
        street += rng.choice([f", Suite {rng.randint(1, 9)}", f", Suite {rng.randint(1, 12)}0{rng.randint(1, 9)}",
                              f", Floor {rng.randint(2, 9)}"])
    return {"address1": street, "address2": "", "city": row["city"].title(), "state": row["state"],
            "zip": row["zip_code"], "lat": row["lat"], "lng": row["lng"]}


def confirmed_days(rng: random.Random) -> int | None:
    """Days since availability was confirmed: mostly recent, some stale, a few very old or never."""
    roll = rng.random()
    if roll < 0.74:
        return rng.randint(0, 40)
    if roll < 0.88:
        return rng.randint(46, 170)
    if roll < 0.95:
        return rng.randint(181, 400)
    return None


def slugify(text: str) -> str:
    """Lower-case, hyphen-separated ASCII."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def make_provider(rng: random.Random, place: dict, pool: list[tuple[dict, float]], kind: str, npi: str,
                  used_names: set, reference: dict) -> dict:
    """One provider record in the demo_providers.json format."""
    rural = place.get("radius") is None
    rows = [row for row, _ in pool]
    weights = [weight for _, weight in pool]
    home = rng.choices(rows, weights=weights)[0]
    state = home["state"]
    first, last = make_name(rng, used_names)
    dynamic_boost = 0.25 if place["key"] == "nyc-uws" else (0.08 if place["key"] in ("nyc", "boston") else 0.0)
    profile = clinical_profile(rng, kind, dynamic_boost)

    offices = [office_for(rng, home)]
    if not rural and len(rows) > 1 and chance(rng, 0.15):
        other = rng.choices(rows, weights=weights)[0]
        offices.append(office_for(rng, other))
    telehealth = chance(rng, 0.85 if rural else 0.7)
    in_person = chance(rng, 0.9) or not telehealth
    languages = ["en"]
    if chance(rng, 0.2):
        table = LANGUAGE_WEIGHTS.get(state, LANGUAGE_WEIGHTS["default"])
        languages.append(pick_weighted(rng, table, 1)[0])
    sliding = chance(rng, 0.45 if kind == "psychoanalyst" else 0.3)
    fee_min, fee_max = fees_for(rng, kind, 0.8 if rural else place["fees"], sliding)
    licenses = [{"state": state, "number": f"{rng.randint(1000, 999999):06d}"}]
    neighbour_states = [s for s in NEIGHBOURS.get(state, ()) if s != state]
    if neighbour_states and chance(rng, 0.2):
        licenses.append({"state": rng.choice(neighbour_states), "number": f"{rng.randint(1000, 999999):06d}"})
    for office in offices[1:]:
        if office["state"] not in {lic["state"] for lic in licenses}:
            licenses.append({"state": office["state"], "number": f"{rng.randint(1000, 999999):06d}"})
    area = (home.get("area_codes") or ["555"])[0]
    website = ""
    if chance(rng, 0.55):
        domain = rng.choice(["example.org", "example.org", "example.com"])
        website = f"https://{domain}/{slugify(first + ' ' + last)}"
    record = {
        "npi": npi,
        "first_name": first,
        "last_name": last,
        "credentials": credentials_for(rng, kind, state),
        "type": kind,
        "accepting_new_patients": chance(rng, 0.65),
        "confirmed_days_ago": confirmed_days(rng),
        "telehealth": telehealth,
        "in_person": in_person,
        "fee_min": fee_min,
        "fee_max": fee_max,
        "sliding_scale": sliding,
        "phone": f"({area}) 555-01{rng.randint(0, 99):02d}",
        "website": website,
        "licenses": sorted(licenses, key=lambda lic: lic["state"]),
        "languages": languages,
        "insurance": insurance_for(rng, kind, state, profile["age_groups"], rural),
        "offices": offices,
    }
    record["taxonomy_code"] = taxonomy_for(rng, kind, profile["child"], profile["modalities"], profile["concerns"])
    for key in ("modalities", "frequencies", "concerns", "age_groups", "treatment_lengths"):
        record[key] = profile[key]
    record["statement"] = statement_for(rng, record, profile, offices[0]["city"])
    # Lists in reference order, without duplicates.
    for key in ("modalities", "frequencies", "concerns", "insurance", "languages", "age_groups", "treatment_lengths"):
        order = reference[key]
        record[key] = sorted(set(record[key]), key=order.index)
    return record


# --------------------------------------------------------------------------------------------
# Listing attributes added later (standard fee, free consultation, identity, faith, office hours).
# They are drawn from a generator of their own, seeded per provider from the seed and the NPI, so
# adding them left every earlier value in the file unchanged, and each provider's draws do not
# depend on any other provider.
# --------------------------------------------------------------------------------------------
ATTRIBUTE_SALT = "listing-attributes"
MASCULINE_NAMES = set("""
Aaron Adrian Alejandro Ben Caleb Daniel David Diego Eli Ethan Felix Gabriel Henry Isaac Ivan Jacob James Jonah
Joseph Julian Kenji Leo Malik Marcus Martin Michael Nathan Noah Omar Paul Rafael Samuel Stephen Thomas Victor
Walter Yusuf
""".split())
EITHER_NAMES = {"Kai"}
PRONOUNS = {
    "woman": {"she/her": 88, "she/they": 12},
    "man": {"he/him": 90, "he/they": 10},
    "nonbinary": {"they/them": 76, "they/she": 9, "they/he": 8, "ze/zir": 4, "any pronouns": 3},
    "another": {"they/them": 50, "ze/hir": 20, "she/they": 15, "he/they": 15},
}
# Share of listings that offer a free first consultation, by type.
FREE_CONSULTATION = {"psychologist": 0.45, "clinical-social-worker": 0.58, "counselor": 0.62,
                     "marriage-family-therapist": 0.6, "psychiatrist": 0.12, "psychiatric-nurse-practitioner": 0.25,
                     "psychoanalyst": 0.3}
CONSULTATION_MINUTES = {15: 56, 20: 18, 30: 24, 45: 2}
ETHNICITY_WEIGHTS = {"white": 64, "black": 10, "hispanic-latino": 9, "asian": 8, "middle-eastern-north-african": 2.5,
                     "multiracial": 3, "american-indian-alaska-native": 0.8, "native-hawaiian-pacific-islander": 0.4,
                     "another": 0.3}
# A second language, a first name or a surname part that makes a background more likely (multipliers).
LANGUAGE_ETHNICITY = {"es": ("hispanic-latino", 6), "pt": ("hispanic-latino", 2), "zh": ("asian", 10),
                      "ko": ("asian", 10), "vi": ("asian", 10), "tl": ("asian", 10), "ja": ("asian", 10),
                      "hi": ("asian", 10), "ar": ("middle-eastern-north-african", 12),
                      "fa": ("middle-eastern-north-african", 12), "ht": ("black", 10)}
NAME_ETHNICITY = {
    "black": {"Aisha", "Imani", "Malik", "Osei", "Adeyemi", "Okafor", "Achebe", "Mbeki", "Oduya"},
    "hispanic-latino": {"Alejandro", "Diego", "Marisol", "Beatriz", "Carmen", "Diaz", "Castellanos", "Quintero",
                        "Ibarra", "Reyes", "Ferreira"},
    "asian": {"Anjali", "Priya", "Meera", "Kenji", "Nakashima", "Sato", "Tanaka"},
    "middle-eastern-north-african": {"Omar", "Yusuf", "Farah", "Laila", "Yara", "Haddad", "Abadi"},
}
PLACE_ETHNICITY = {
    "houston": {"hispanic-latino": 2, "black": 2}, "austin": {"hispanic-latino": 2}, "alpine": {"hispanic-latino": 3},
    "los-angeles": {"hispanic-latino": 2, "asian": 1.8}, "san-francisco": {"asian": 2}, "seattle": {"asian": 1.8},
    "atlanta": {"black": 2.5}, "washington": {"black": 2}, "chicago": {"black": 1.5, "hispanic-latino": 1.4},
    "nyc": {"black": 1.5, "hispanic-latino": 1.5, "asian": 1.3}, "pierre": {"american-indian-alaska-native": 8},
    "havre": {"american-indian-alaska-native": 8}, "valentine": {"american-indian-alaska-native": 6},
    "bemidji": {"american-indian-alaska-native": 8},
}
FAITH_WEIGHTS = {"christian": 40, "jewish": 12, "spiritual": 12, "buddhist": 6, "muslim": 4, "hindu": 3, "sikh": 1,
                 "another": 3, "none": 8}
SOUTHERN_PLACES = {"nashville", "atlanta", "houston", "austin", "boise", "alpine", "cody", "elkins", "hays",
                   "pierre", "valentine"}
FAITH_INTEGRATED = {"christian": 0.55, "jewish": 0.3, "muslim": 0.5, "buddhist": 0.35, "hindu": 0.3, "sikh": 0.4,
                    "spiritual": 0.4, "another": 0.35, "none": 0.0}
AFFIRMING_PLACES = {"san-francisco": 0.15, "nyc-uws": 0.1, "nyc": 0.1, "seattle": 0.1, "portland": 0.12,
                    "boston": 0.08, "los-angeles": 0.08, "minneapolis": 0.06, "washington": 0.05}
WEEKDAYS = (0, 1, 2, 3, 4)
PRESCRIBERS = ("psychiatrist", "psychiatric-nurse-practitioner")


def attribute_rng(seed: int, npi: str) -> random.Random:
    """The generator of one provider's later attributes (a string seed hashes the same in every run)."""
    return random.Random(f"{seed}:{ATTRIBUTE_SALT}:{npi}")


def standard_fee(rng: random.Random, record: dict) -> int | None:
    """The fee of one individual session, rounded to 5, within [fee_min, fee_max] (None without fees)."""
    low, high = record.get("fee_min"), record.get("fee_max")
    if low is None or high is None:
        return None
    # With a sliding scale fee_min is the reduced floor, so the full fee sits in the upper part of the range;
    # otherwise fee_max covers longer sessions (intake, couples, family) and the standard fee is near fee_min.
    share = rng.triangular(0.45, 1.0, 0.75) if record["sliding_scale"] else rng.triangular(0.0, 1.0, 0.15)
    fee = int(round((low + (high - low) * share) / 5.0)) * 5
    return min(high, max(low, fee))


def name_gender(rng: random.Random, first: str) -> str:
    """The gender a first name most often goes with."""
    if first in EITHER_NAMES:
        return rng.choice(["woman", "man"])
    return "man" if first in MASCULINE_NAMES else "woman"


def identity_for(rng: random.Random, record: dict, place: dict) -> dict:
    """Gender, pronouns, LGBTQ+-affirming practice: identity fields are optional and often left empty."""
    likely = name_gender(rng, record["first_name"])
    gender = None
    if chance(rng, 0.6):
        roll = rng.random()
        gender = "nonbinary" if roll < 0.035 else "another" if roll < 0.045 else likely
        if record["first_name"] in EITHER_NAMES and chance(rng, 0.2):
            gender = "nonbinary"
    pronouns = ""
    if gender is not None:
        if chance(rng, {"nonbinary": 0.9, "another": 0.6}.get(gender, 0.42)):
            pronouns = pick_weighted(rng, PRONOUNS[gender], 1)[0]
    elif chance(rng, 0.06):
        pronouns = pick_weighted(rng, PRONOUNS[likely], 1)[0]
    if gender in ("nonbinary", "another") or "gender-dysphoria" in record["concerns"]:
        affirming = chance(rng, 0.96)
    else:
        p = 0.22 if record["type"] in PRESCRIBERS else 0.32 if record["type"] == "psychoanalyst" else 0.38
        p += AFFIRMING_PLACES.get(place["key"], -0.12 if place.get("radius") is None else 0.0)
        p += 0.3 if pronouns else 0.0
        affirming = chance(rng, p)
    return {"gender": gender, "pronouns": pronouns, "lgbtq_affirming": affirming}


def name_parts(record: dict) -> set[str]:
    """The first name and the parts of the surname."""
    return {record["first_name"], *record["last_name"].split("-")}


def ethnicities_for(rng: random.Random, record: dict, place: dict, order: list[str]) -> list[str]:
    """A background for everyone, said by a minority: white clinicians state it less often than others."""
    weights = dict(ETHNICITY_WEIGHTS)
    if record["type"] in ("clinical-social-worker", "counselor"):
        weights["black"] *= 1.5
        weights["hispanic-latino"] *= 1.3
    for slug, factor in PLACE_ETHNICITY.get(place["key"], {}).items():
        weights[slug] *= factor
    second = [lang for lang in record["languages"] if lang != "en"]
    for lang in second:
        if lang in LANGUAGE_ETHNICITY:
            slug, factor = LANGUAGE_ETHNICITY[lang]
            weights[slug] *= factor
    parts = name_parts(record)
    for slug, names in NAME_ETHNICITY.items():
        if parts & names:
            weights[slug] *= 6
    background = pick_weighted(rng, weights, 2 if chance(rng, 0.07) else 1)
    if "multiracial" in background or "another" in background:
        background = background[:1]
    said = 0.28 if background == ["white"] else 0.45
    if second:
        said += 0.1
    if not chance(rng, said):
        return []
    return sorted(background, key=order.index)


def faith_for(rng: random.Random, record: dict, place: dict) -> tuple[str | None, bool]:
    """An optional faith, most leave it empty; faith-integrated therapy is offered mostly with a faith given."""
    southern = place["key"] in SOUTHERN_PLACES
    weights = dict(FAITH_WEIGHTS)
    said = 0.13
    if southern:
        weights["christian"] *= 2.5
        said = 0.24
    if place["key"] in ("nyc", "nyc-uws"):
        weights["jewish"] *= 2.5
    languages = set(record["languages"])
    if languages & {"yi", "he"}:
        weights["jewish"] *= 15
        said = 0.55
    if languages & {"ar", "fa"}:
        weights["muslim"] *= 10
    if "hi" in languages:
        weights["hindu"] *= 10
    parts = name_parts(record)
    if parts & {"Omar", "Yusuf", "Aisha", "Farah", "Haddad"}:
        weights["muslim"] *= 5
    if parts & {"Anjali", "Priya", "Meera"}:
        weights["hindu"] *= 5
    if record["type"] in PRESCRIBERS:
        said *= 0.6
    if not chance(rng, said):
        return None, chance(rng, 0.03 if southern else 0.01)
    faith = pick_weighted(rng, weights, 1)[0]
    integrated = FAITH_INTEGRATED[faith] * (0.5 if record["type"] in PRESCRIBERS else 1.0)
    return faith, chance(rng, integrated)


def window(day: int, opens: int, closes: int) -> dict:
    """One weekly window: day 0 is Monday, times in minutes after midnight."""
    return {"day": day, "opens": opens, "closes": closes}


def day_windows(rng: random.Random, day: int, opens: int, closes: int, lunch: bool) -> list[dict]:
    """One working day: a single window, or a morning and an afternoon around a lunch hour."""
    if lunch and opens < 12 * 60 and closes > 14 * 60:
        noon = rng.choice([12 * 60, 12 * 60 + 30])
        return [window(day, opens, noon), window(day, noon + 60, closes)]
    return [window(day, opens, closes)]


def office_hours(rng: random.Random, record: dict, place: dict) -> list[list[dict]]:
    """Weekly windows for each office, in its local time (day 0 is Monday, minutes after midnight).

    Telehealth-only listings keep their address but list no hours, and a few others leave them out.
    A second office gets one to three of the working days; weekends go to the first office.
    """
    offices = record["offices"]
    if not record["in_person"] or chance(rng, 0.07):
        return [[] for _ in offices]
    kind = record["type"]
    rural = place.get("radius") is None
    count = pick_weighted(rng, {5: 40, 4: 34, 3: 18, 2: 8}, 1)[0]
    off = pick_weighted(rng, {0: 2, 1: 1, 2: 1.5, 3: 1, 4: 3}, 5 - count)
    workdays = [day for day in WEEKDAYS if day not in off]
    assigned = [workdays]
    if len(offices) > 1:
        elsewhere = sorted(rng.sample(workdays, min(len(workdays) - 1, rng.choice([1, 1, 2, 3]))))
        assigned = [[day for day in workdays if day not in elsewhere] or workdays[:1], elsewhere]
    early_p = 0.3 if kind == "psychoanalyst" else 0.08
    evening_p = 0.22 if kind in PRESCRIBERS else 0.5 if kind == "psychoanalyst" else 0.42
    if rural:
        evening_p *= 0.6
    result = []
    for days in assigned:
        opens = pick_weighted(rng, {540: 70, 600: 16, 570: 9, 630: 5}, 1)[0]
        closes = pick_weighted(rng, {1020: 66, 960: 10, 1080: 13, 900: 5, 990: 6}, 1)[0]
        lunch = chance(rng, 0.1)
        early = set(rng.sample(days, rng.randint(1, len(days)))) if chance(rng, early_p) else set()
        early_opens = pick_weighted(rng, {420: 4, 450: 2, 480: 4}, 1)[0]
        late = set(rng.sample(days, rng.randint(1, min(3, len(days))))) if chance(rng, evening_p) else set()
        late_closes = pick_weighted(rng, {1140: 4, 1170: 1, 1200: 4, 1260: 2}, 1)[0]
        late_opens = rng.choice([660, 720, 780]) if chance(rng, 0.4) else None
        windows = []
        for day in days:
            day_opens = early_opens if day in early else opens
            day_closes = late_closes if day in late else closes
            if day in late and late_opens is not None and day not in early:
                day_opens = late_opens
            windows += day_windows(rng, day, day_opens, day_closes, lunch and day not in late)
        result.append(windows)
    saturday_p = 0.08 if kind in PRESCRIBERS or rural else 0.17
    if chance(rng, saturday_p):
        opens = rng.choice([480, 540, 540, 600])
        result[0].append(window(5, opens, opens + rng.choice([180, 240, 240, 300, 360])))
        if chance(rng, 0.12):
            result[0].append(window(6, 600, rng.choice([840, 900])))
    return result


def add_listing_attributes(record: dict, place: dict, seed: int, reference: dict) -> None:
    """Add the later listing attributes to one provider record, from the provider's own generator."""
    rng = attribute_rng(seed, record["npi"])
    record["fee"] = standard_fee(rng, record)
    offered = chance(rng, FREE_CONSULTATION[record["type"]])
    record["free_consultation"] = offered
    record["free_consultation_minutes"] = pick_weighted(rng, CONSULTATION_MINUTES, 1)[0] if offered else None
    record.update(identity_for(rng, record, place))
    record["ethnicities"] = ethnicities_for(rng, record, place, reference["ethnicities"])
    record["faith"], record["faith_integrated"] = faith_for(rng, record, place)
    for office, hours in zip(record["offices"], office_hours(rng, record, place)):
        office["hours"] = sorted(hours, key=lambda w: (w["day"], w["opens"]))
    # Most offices in metros are in buildings with an elevator; fewer in rural towns and older walk-ups.
    rural = place.get("radius") is None
    record["wheelchair_accessible"] = record["in_person"] and chance(rng, 0.45 if rural else 0.65)


def type_deck(rng: random.Random, shares: dict[str, int], total: int) -> list[str]:
    """A shuffled list of provider types whose mix matches the shares (largest remainder)."""
    weight = sum(shares.values())
    exact = {kind: total * share / weight for kind, share in shares.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(shares, key=lambda kind: (counts[kind] - exact[kind], kind))
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    deck = [kind for kind in shares for _ in range(counts[kind])]
    rng.shuffle(deck)
    return deck


def build_providers(seed: int = SEED) -> tuple[list[dict], Counter]:
    """All demo providers (sorted by NPI) and how many were placed in each metro or town."""
    rng = random.Random(seed)
    zips = standard_zips()
    reference = reference_slugs()
    LANGUAGE_NAMES.update({row["slug"]: row["name"] for row in read_csv("languages.csv")})
    used_names: set[tuple[str, str]] = set()
    used_npis: set[str] = set()
    providers = []
    per_place: Counter = Counter()
    kinds = list(TYPES)
    places = METROS + RURAL
    uws = [place for place in places if place["key"] == "nyc-uws"]
    rest = [place for place in places if place["key"] != "nyc-uws"]
    type_queue = {
        "uws": type_deck(rng, UWS_TYPE_SHARES, sum(place["count"] for place in uws)),
        "rest": type_deck(rng, {k: TYPES[k]["share"] for k in kinds}, sum(place["count"] for place in rest)),
    }
    for place in places:
        pool = zip_pool(place, zips)
        deck = type_queue["uws" if place["key"] == "nyc-uws" else "rest"]
        for _ in range(place["count"]):
            kind = deck.pop()
            while True:
                body = "1" + f"{rng.randint(0, 99_999_999):08d}"
                npi = body + str(npi_check_digit(body))
                if npi not in used_npis:
                    used_npis.add(npi)
                    break
            record = make_provider(rng, place, pool, kind, npi, used_names, reference)
            add_listing_attributes(record, place, seed, reference)
            providers.append(record)
            per_place[place["label"]] += 1
    providers.sort(key=lambda record: record["npi"])
    return providers, per_place


def render(providers: list[dict], seed: int = SEED) -> str:
    """The JSON text of the demo file."""
    document = {"generated_by": "seed_data/generate_demo.py", "seed": seed, "providers": providers}
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate(output_path: Path | str = DEFAULT_OUTPUT, seed: int = SEED) -> Counter:
    """Write the demo file to output_path; returns the provider count per metro or town."""
    providers, per_place = build_providers(seed)
    Path(output_path).write_text(render(providers, seed), encoding="utf-8")
    return per_place


def main(argv: list[str] | None = None) -> None:
    """Write the demo directory and print how many providers went where."""
    argv = sys.argv[1:] if argv is None else argv
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    per_place = generate(output)
    print(f"Wrote {sum(per_place.values())} providers to {output}")
    for label, count in per_place.items():
        print(f"  {count:4d}  {label}")


if __name__ == "__main__":
    main()
