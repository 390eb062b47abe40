"""Reading the rows a search or a read found and building their resources, a few statements per page."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import InsurancePlan, Office, Provider, TaxonomyCode
from ..services.listing_rules import public_clauses
from . import ids, resources
from .catalog import Source

LISTING_BUILDERS = {
    "Practitioner": resources.practitioner,
    "PractitionerRole": resources.practitioner_role,
    "HealthcareService": resources.healthcare_service,
    "Endpoint": resources.endpoint,
}


def _listing_details():
    return (
        selectinload(Provider.offices).selectinload(Office.hours),
        selectinload(Provider.licenses),
        selectinload(Provider.languages),
        selectinload(Provider.insurance_plans),
        selectinload(Provider.modalities),
        selectinload(Provider.age_groups),
    )


def listings(provider_ids) -> dict[int, Provider]:
    """Public listings by id, with what their resources show."""
    wanted = sorted(set(provider_ids))
    if not wanted:
        return {}
    statement = select(Provider).where(Provider.id.in_(wanted), *public_clauses()).options(*_listing_details())
    return {provider.id: provider for provider in db.session.scalars(statement)}


def offices(office_ids) -> dict[int, Office]:
    """Offices of public listings by id, with their listing loaded."""
    wanted = sorted(set(office_ids))
    if not wanted:
        return {}
    statement = (
        select(Office).join(Provider, Office.provider_id == Provider.id)
        .where(Office.id.in_(wanted), *public_clauses())
        .options(selectinload(Office.hours), selectinload(Office.provider).options(*_listing_details()))
    )
    return {office.id: office for office in db.session.scalars(statement)}


def carriers(slugs) -> dict[str, InsurancePlan]:
    """Insurance carriers by slug."""
    wanted = sorted(set(slugs) - ids.NOT_A_CARRIER)
    if not wanted:
        return {}
    return {plan.slug: plan for plan in db.session.scalars(select(InsurancePlan).where(InsurancePlan.slug.in_(wanted)))}


def build(source: Source, keys: list[tuple], ctx: resources.BuildContext) -> list[dict]:
    """The resources of these rows of a source, in the order given (rows gone meanwhile are left out)."""
    kind = source.kind
    if kind == "office":
        found = offices(key[0] for key in keys)
        return [resources.location(found[key[0]], ctx) for key in keys if key[0] in found]
    if kind in (ids.PAYER, ids.NETWORK):
        plans = carriers(key[0] for key in keys)
        builder = resources.payer_organization if kind == ids.PAYER else resources.network_organization
        return [builder(plans[key[0]], ctx) for key in keys if key[0] in plans]
    if kind == "affiliation":
        providers = listings(key[0] for key in keys)
        plans = carriers(key[1] for key in keys)
        return [resources.organization_affiliation(providers[pid], plans[slug], ctx)
                for pid, slug in keys if pid in providers and slug in plans]
    providers = listings(key[0] for key in keys)
    builder = resources.practice_organization if kind == ids.PRACTICE else LISTING_BUILDERS[source.resource_type]
    return [builder(providers[key[0]], ctx) for key in keys if key[0] in providers]


def taxonomy_names() -> dict[str, str]:
    """Display names of the NUCC codes the directory knows, by code."""
    rows = db.session.execute(select(TaxonomyCode.code, TaxonomyCode.display_name))
    return {code: name.strip() for code, name in rows}
