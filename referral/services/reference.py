"""Reference lists: loading them from seed_data and looking them up by slug."""
import csv
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import (
    AgeGroup,
    Concern,
    ConcernCode,
    Ethnicity,
    Faith,
    Frequency,
    InsurancePlan,
    Language,
    Modality,
    ProviderType,
    TaxonomyCode,
    TreatmentLength,
)
from .reference_cache import reference_list

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
REFERENCE_DIR = SEED_DIR / "reference"

def read_reference_csv(name: str) -> list[dict[str, str]]:
    """Rows of one CSV file in seed_data/reference."""
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, slug: str, **values):
    item = db.session.scalar(select(model).where(model.slug == slug))
    if item is None:
        item = model(slug=slug)
        db.session.add(item)
    for key, value in values.items():
        setattr(item, key, value)
    return item


def load_reference_data() -> dict[str, int]:
    """Insert or update every reference list from seed_data; returns how many rows each has."""
    counts: dict[str, int] = {}
    types = {}
    for order, row in enumerate(read_reference_csv("provider_types.csv")):
        types[row["nucc_app_role"]] = _upsert(
            ProviderType, row["slug"], name=row["name"], plural_name=row["plural_name"],
            description=row["description"], sort_order=order,
        )
    counts["provider_types"] = len(types)
    db.session.flush()

    taxonomy = read_reference_csv("nucc_behavioral_health_v25.1.csv")
    for row in taxonomy:
        code = db.session.get(TaxonomyCode, row["code"]) or TaxonomyCode(code=row["code"])
        provider_type = types.get(row["app_role"])
        code.provider_type_id = provider_type.id if provider_type else None
        code.app_role = row["app_role"]
        code.core = row["core"] == "1"
        code.grouping = row["grouping"]
        code.classification = row["classification"]
        code.specialization = row["specialization"]
        code.display_name = row["display_name"]
        code.definition = row["definition"]
        db.session.add(code)
    counts["taxonomy_codes"] = len(taxonomy)

    summaries = {row["slug"]: row["summary"] for row in read_reference_csv("modality_summaries.csv")}
    modalities = read_reference_csv("modalities.csv")
    for order, row in enumerate(modalities):
        _upsert(Modality, row["slug"], name=row["name"], abbreviation=row["abbreviation"],
                family=row["family"], summary=summaries.get(row["slug"], ""), sort_order=order)
    counts["modalities"] = len(modalities)

    concerns: dict[str, Concern] = {}
    for row in read_reference_csv("conditions_icd10cm.csv"):
        if row["slug"] not in concerns:
            concerns[row["slug"]] = _upsert(Concern, row["slug"], name=row["name"], sort_order=len(concerns))
            db.session.flush()
        concern = concerns[row["slug"]]
        existing = {c.code: c for c in concern.codes}
        if row["icd10cm_code"] in existing:
            existing[row["icd10cm_code"]].description = row["icd10cm_description"]
        else:
            concern.codes.append(ConcernCode(code=row["icd10cm_code"], description=row["icd10cm_description"]))
    counts["concerns"] = len(concerns)

    for model, filename in (
        (Frequency, "frequencies.csv"),
        (TreatmentLength, "treatment_lengths.csv"),
        (InsurancePlan, "insurance_plans.csv"),
        (Language, "languages.csv"),
        (AgeGroup, "age_groups.csv"),
        (Ethnicity, "ethnicities.csv"),
        (Faith, "faiths.csv"),
    ):
        rows = read_reference_csv(filename)
        for order, row in enumerate(rows):
            _upsert(model, row["slug"], name=row["name"], sort_order=order)
        counts[model.__tablename__] = len(rows)
    db.session.flush()
    return counts


def all_items(model) -> list:
    """Every item of one reference list, in display order (plain records, cached per process)."""
    return list(reference_list(model).records)


def items_by_attribute(attributes) -> dict[str, list]:
    """The items of each listing attribute's reference list, keyed by the attribute's output key."""
    return {a.output_key: all_items(a.reference) for a in attributes if a.reference is not None}


def ids_for_slugs(model, slugs: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map slugs to ids; also return the slugs that name nothing."""
    if not slugs:
        return {}, []
    known = reference_list(model).id_by_slug
    found = {slug: known[slug] for slug in slugs if slug in known}
    return found, [slug for slug in slugs if slug not in found]


def get_by_slug(model, slug: str):
    """One reference item by slug, or None."""
    return db.session.scalar(select(model).where(model.slug == slug))
