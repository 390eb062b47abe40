"""Loading the demo directory from seed_data/demo_providers.json, idempotently."""
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    AgeGroup,
    Concern,
    Ethnicity,
    Faith,
    Frequency,
    InsurancePlan,
    Language,
    License,
    Modality,
    Office,
    OfficeHours,
    Provider,
    ProviderType,
    TreatmentLength,
    utcnow,
)
from .attributes import ATTRIBUTES
from .reference import SEED_DIR

DEMO_FILE = SEED_DIR / "demo_providers.json"
# The listing attributes stored in a column of their own (not a reference list, not derived from offices).
SCALAR_ATTRIBUTES = tuple(a for a in ATTRIBUTES if a.reference is None and a.column)
# JSON key of a demo provider -> (Provider relationship, reference model).
DEMO_LISTS = {
    "modalities": ("modalities", Modality),
    "frequencies": ("frequencies", Frequency),
    "concerns": ("concerns", Concern),
    "insurance": ("insurance_plans", InsurancePlan),
    "languages": ("languages", Language),
    "age_groups": ("age_groups", AgeGroup),
    "treatment_lengths": ("treatment_lengths", TreatmentLength),
    "ethnicities": ("ethnicities", Ethnicity),
}


def directory_is_empty() -> bool:
    """Whether no provider is listed yet."""
    return db.session.scalar(select(func.count()).select_from(Provider)) == 0


def _by_slug(model) -> dict:
    return {item.slug: item for item in db.session.scalars(select(model))}


def load_demo_providers(path: Path = DEMO_FILE, *, now=None) -> tuple[int, int]:
    """Add the demo providers not yet present (matched by NPI); returns (added, skipped)."""
    now = now or utcnow()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    types = _by_slug(ProviderType)
    lists = {key: _by_slug(model) for key, (_, model) in DEMO_LISTS.items()}
    faiths = _by_slug(Faith)
    existing = set(db.session.scalars(select(Provider.npi).where(Provider.source == "demo")))
    added = skipped = 0
    for record in data["providers"]:
        if record["npi"] in existing:
            skipped += 1
            continue
        days = record.get("confirmed_days_ago")
        provider = Provider(
            npi=record["npi"],
            first_name=record["first_name"],
            last_name=record["last_name"],
            credentials=record.get("credentials", ""),
            provider_type=types[record["type"]],
            taxonomy_code=record.get("taxonomy_code"),
            statement=record.get("statement", ""),
            availability_confirmed_at=None if days is None else now - timedelta(days=days),
            faith=faiths[record["faith"]] if record.get("faith") else None,
            phone=record.get("phone", ""),
            website=record.get("website", ""),
            source="demo",
            # Every other attribute the record gives, under its key in the registry.
            **{a.column: record[a.output_key] for a in SCALAR_ATTRIBUTES if record.get(a.output_key) is not None},
        )
        for key, (attribute, _) in DEMO_LISTS.items():
            setattr(provider, attribute, [lists[key][slug] for slug in record.get(key, [])])
        provider.licenses = [License(state=lic["state"], number=lic.get("number", "")) for lic in record.get("licenses", [])]
        provider.offices = [
            Office(address1=o.get("address1", ""), address2=o.get("address2", ""), city=o["city"], state=o["state"],
                   zip=o["zip"], lat=o["lat"], lng=o["lng"],
                   hours=[OfficeHours(day=h["day"], opens=h["opens"], closes=h["closes"]) for h in o.get("hours", [])])
            for o in record.get("offices", [])
        ]
        db.session.add(provider)
        existing.add(record["npi"])
        added += 1
    db.session.flush()
    return added, skipped
