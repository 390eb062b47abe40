"""How directory records are named as FHIR resources, and reading those names back.

A listing is a Practitioner, a PractitionerRole, a HealthcareService and an Endpoint (its contact
page), each with the listing's id; an office is a Location with the office's id. Organizations are
of three kinds, told apart by a prefix: a clinician's practice (`practice-<listing id>`), and for
each insurance carrier listings take, the carrier as payer (`payer-<slug>`) and its network
(`network-<slug>`). A practice's participation in a network is an OrganizationAffiliation
(`<listing id>-<slug>`).
"""
from __future__ import annotations

import re

PRACTICE = "practice"
PAYER = "payer"
NETWORK = "network"
ORGANIZATION_KINDS = (PRACTICE, PAYER, NETWORK)
# Insurance items that name no carrier, so have no network.
NOT_A_CARRIER = frozenset({"self-pay"})

NUMBER = re.compile(r"^[1-9][0-9]{0,17}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,54}$")
ORGANIZATION = re.compile(r"^(practice|payer|network)-(.+)$")
AFFILIATION = re.compile(r"^([1-9][0-9]{0,17})-([a-z0-9][a-z0-9-]{0,44})$")


def number_id(text: str) -> int | None:
    """A listing's or office's id from a resource id, or None when the text cannot name one."""
    return int(text) if NUMBER.match(text or "") else None


def organization_id(kind: str, key: int | str) -> str:
    """The id of a practice (by listing id), payer or network (by carrier slug)."""
    return f"{kind}-{key}"


def parse_organization_id(text: str) -> tuple[str, int | str] | None:
    """(kind, listing id or carrier slug) from an Organization id, or None when it names none of ours."""
    match = ORGANIZATION.match(text or "")
    if not match:
        return None
    kind, key = match.groups()
    if kind == PRACTICE:
        number = number_id(key)
        return (kind, number) if number is not None else None
    return (kind, key) if SLUG.match(key) and key not in NOT_A_CARRIER else None


def affiliation_id(provider_id: int, slug: str) -> str:
    """The id of a practice's participation in a carrier's network."""
    return f"{provider_id}-{slug}"


def parse_affiliation_id(text: str) -> tuple[int, str] | None:
    """(listing id, carrier slug) from an OrganizationAffiliation id, or None."""
    match = AFFILIATION.match(text or "")
    if not match or match.group(2) in NOT_A_CARRIER:
        return None
    return int(match.group(1)), match.group(2)


def reference(resource_type: str, resource_id: int | str) -> str:
    """A relative literal reference."""
    return f"{resource_type}/{resource_id}"
