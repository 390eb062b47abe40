"""The directory's reference lists as HSDS taxonomies: provider types, psychotherapy modalities and concerns.

Each list is one taxonomy and each of its items one term. A service (one clinician's) carries its terms as
HSDS attributes: the clinician's provider type, the modalities they practise and the concerns they treat.
The terms are flat: none has a parent.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Concern, Modality, Provider, ProviderType
from ..services.interop import DEFAULT_TAXONOMY
from .ids import hsds_id, parse_hsds_id


@dataclass(frozen=True)
class Taxonomy:
    """One reference list as an HSDS taxonomy."""

    number: int  # the taxonomy's own id number
    reference: str  # the reference list, as services.interop names it; also the attributes' link_type
    name: str
    description: str

    @property
    def id(self) -> str:
        """The taxonomy's UUID."""
        return hsds_id("taxonomy", self.number)

    @property
    def term_kind(self) -> str:
        """The kind of record its terms' UUIDs encode."""
        return f"{self.reference}_term"

    @property
    def attribute_kind(self) -> str:
        """The kind of record the UUIDs of its attributes (a term on a service) encode."""
        return f"{self.reference}_attribute"


TAXONOMIES = (
    Taxonomy(1, "provider_type", "Provider types",
             "The kinds of clinician in the directory (psychiatrist, psychologist, ...); each term's code is the "
             "NUCC Health Care Provider Taxonomy code the kind stands for."),
    Taxonomy(2, "modality", "Psychotherapy modalities", "The therapy approaches clinicians practise."),
    Taxonomy(3, "concern", "Concerns",
             "The concerns people look for help with; each term's description lists the ICD-10-CM codes it covers."),
)
BY_REFERENCE = {taxonomy.reference: taxonomy for taxonomy in TAXONOMIES}


def taxonomy_by_id(text: str) -> Taxonomy | None:
    """The taxonomy with this UUID, or None."""
    number = parse_hsds_id("taxonomy", text)
    return next((taxonomy for taxonomy in TAXONOMIES if taxonomy.number == number), None)


def parse_term_id(text: str) -> tuple[Taxonomy, int] | None:
    """The taxonomy and reference item a term UUID stands for, or None when it is not a term id of ours."""
    for taxonomy in TAXONOMIES:
        number = parse_hsds_id(taxonomy.term_kind, text)
        if number is not None:
            return taxonomy, number
    return None


def taxonomy_record(taxonomy: Taxonomy) -> dict:
    """An HSDS taxonomy."""
    return {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description}


def _code_and_description(item) -> tuple[str, str]:
    if isinstance(item, ProviderType):
        return DEFAULT_TAXONOMY.get(item.slug, item.slug), item.description or item.plural_name
    if isinstance(item, Modality):
        return item.slug, item.summary or item.name
    if isinstance(item, Concern):
        codes = ", ".join(code.code for code in item.codes)
        return item.slug, f"{item.name} (ICD-10-CM: {codes})." if codes else item.name
    raise TypeError(f"not a reference item of a taxonomy: {item!r}")


def term(reference: str, item, *, detail: bool = False) -> dict:
    """An HSDS taxonomy term for a reference item; with the taxonomy itself when detail is asked for."""
    taxonomy = BY_REFERENCE[reference]
    code, description = _code_and_description(item)
    record = {
        "id": hsds_id(taxonomy.term_kind, item.id),
        "code": code,
        "name": item.name,
        "description": description,
        "taxonomy": taxonomy.name,
        "taxonomy_id": taxonomy.id,
        "language": "en",
    }
    if detail:
        record["taxonomy_detail"] = taxonomy_record(taxonomy)
    return record


def service_terms(provider: Provider) -> list[tuple[str, object]]:
    """The reference items a clinician's service is described by: provider type, modalities, concerns."""
    return ([("provider_type", provider.provider_type)] + [("modality", item) for item in provider.modalities]
            + [("concern", item) for item in provider.concerns])


def service_attributes(provider: Provider) -> list[dict]:
    """The service's terms as HSDS attributes, each with its term."""
    service_id = hsds_id("service", provider.id)
    return [{
        "id": hsds_id(BY_REFERENCE[reference].attribute_kind, provider.id, sub=item.id),
        "link_id": service_id,
        "link_type": reference,
        "link_entity": "service",
        "taxonomy_term_id": hsds_id(BY_REFERENCE[reference].term_kind, item.id),
        "taxonomy_term": term(reference, item),
    } for reference, item in service_terms(provider)]
