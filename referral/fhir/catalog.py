"""What each FHIR resource type is made of and how it is searched, in SQL.

A resource type is read from one or more row sources: a listing (Practitioner, PractitionerRole,
HealthcareService, Endpoint), an office (Location), a practice, a carrier as payer or as network
(Organization), a practice in a network (OrganizationAffiliation). Each source names the search
parameters its rows can satisfy, as SQL over the row; a parameter a source lacks matches none of
its rows. The parameters are those of Plan-Net 1.2.0 and R4, by the IG's names and definitions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable

from sqlalchemy import and_, case, false, literal, not_, or_, select
from sqlalchemy.sql import func

from ..models import InsurancePlan, Modality, Office, Provider, ProviderType, TaxonomyCode, provider_insurance, provider_modalities
from ..services.interop import DEFAULT_TAXONOMY, PSYCHIATRY_TYPES
from ..services.listing_rules import contactable_clauses, public_clauses
from ..services.reference import ids_for_slugs
from ..services.text_folding import fold, folded_like
from . import codes, ids
from .query import Criterion
from .resources import NETWORK_NAME_SUFFIX

PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
STRING_MODIFIERS = frozenset({"exact", "contains"})
TOKEN_MODIFIERS = frozenset({"text", "not"})


def _same(condition):
    return condition


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Deferred:
    """A SQL expression made when a search first needs it: it reads reference data (provider type ids)."""

    make: Callable[[], Any]


@dataclass(frozen=True)
class On:
    """A value of a row as SQL, and how a condition on that value becomes a condition on the row."""

    value: Any  # a SQL expression, or a Deferred one
    wrap: Callable[[Any], Any] = _same

    @property
    def expr(self):
        """The SQL expression."""
        return self.value.make() if isinstance(self.value, Deferred) else self.value

    def where(self, condition):
        """The condition, on the row."""
        return self.wrap(condition)


def _if_contactable(condition):
    return and_(*contactable_clauses(), condition)


def _endpoint_of(listing_id) -> On:
    """The Endpoint (contact page) of a listing, which only listings that take messages have."""
    return On(listing_id, _if_contactable)


# Conditions on a listing's related rows are written `listing id IN (ids of related rows that qualify)`, so
# that the planner can start from those rows (a few offices near a point) rather than test every listing.

def _via_offices(condition):
    return Provider.id.in_(select(Office.provider_id).where(condition))


def _carriers_of_listing(condition):
    return Provider.id.in_(
        select(provider_insurance.c.provider_id)
        .join(InsurancePlan, provider_insurance.c.insurance_plan_id == InsurancePlan.id)
        .where(InsurancePlan.slug.not_in(ids.NOT_A_CARRIER), condition)
    )


def _via_sole_carrier(condition):
    """The condition on the listing's carrier, when it takes exactly one.

    A PractitionerRole names at most one network (the profile's network-reference is 0..1); a practice in
    several carriers' networks is told by its OrganizationAffiliations instead.
    """
    carriers = select(func.count()).select_from(provider_insurance.join(InsurancePlan)).where(
        provider_insurance.c.provider_id == Provider.id, InsurancePlan.slug.not_in(ids.NOT_A_CARRIER)
    ).scalar_subquery()
    return and_(_carriers_of_listing(condition), carriers == 1)


@dataclass(frozen=True)
class StringParam:
    """A string parameter: starts with, ignoring case and accents; :exact and :contains."""

    fields: tuple[On, ...]
    kind: str = "string"
    modifiers: frozenset[str] = STRING_MODIFIERS

    def clause(self, criterion: Criterion, _engine):
        """Rows with any field matching any of the criterion's values."""
        alternatives = []
        for value in criterion.values:
            for on in self.fields:
                if criterion.modifier == "exact":
                    condition = on.expr == value
                else:
                    pattern = _escape_like(fold(value)) + "%"
                    if criterion.modifier == "contains":
                        pattern = "%" + pattern
                    condition = folded_like(on.expr, pattern)
                alternatives.append(on.where(condition))
        return or_(*alternatives) if alternatives else false()


@dataclass(frozen=True)
class Coding:
    """One coded value of a row: its system, the code as SQL, and its display text for :text."""

    system: str
    code: On
    display: On | None = None
    upper_case: bool = False  # the system's codes are upper case, so a code given in lower case is read as upper


@dataclass(frozen=True)
class TokenParam:
    """A token parameter: [system]|[code] or code; :text searches the display, :not negates."""

    codings: tuple[Coding, ...]
    kind: str = "token"
    modifiers: frozenset[str] = TOKEN_MODIFIERS

    def clause(self, criterion: Criterion, _engine):
        """Rows holding any of the criterion's codes (or, with :not, none of them)."""
        alternatives = []
        for value in criterion.values:
            if criterion.modifier == "text":
                pattern = _escape_like(fold(value)) + "%"
                alternatives += [c.display.where(folded_like(c.display.expr, pattern))
                                 for c in self.codings if c.display is not None]
                continue
            system, bar, code = value.rpartition("|") if "|" in value else (None, "", value)
            for coding in self.codings:
                if system is not None and system != coding.system:
                    continue
                if code:
                    wanted = code.upper() if coding.upper_case else code
                    alternatives.append(coding.code.where(coding.code.expr == wanted))
                else:
                    alternatives.append(coding.code.where(coding.code.expr.is_not(None)))
        matched = or_(*alternatives) if alternatives else false()
        return not_(matched) if criterion.modifier == "not" else matched


@dataclass(frozen=True)
class ReferenceParam:
    """A reference parameter: Type/id, id or an absolute URL; chains into the target's parameters.

    `links` gives, for each kind of target row, the value of this row that holds the target's key.
    `path` gives where the references are in a built resource, for _include.
    """

    target: str
    links: dict[str, On]
    path: tuple[str, ...]
    kind: str = "reference"

    @property
    def modifiers(self) -> frozenset[str]:
        """A reference may be narrowed to its target type, like organization:Organization."""
        return frozenset({self.target})

    def clause(self, criterion: Criterion, engine):
        """Rows referring to any of the given resources, or to any the chained criterion finds."""
        if criterion.chain is not None:
            engine.check_chain(self.target, criterion)
        alternatives = []
        for source in engine.sources(self.target):
            link = self.links.get(source.kind)
            if link is None:
                continue
            if criterion.chain is not None:
                keys = engine.keys_matching(source, [criterion.chain])
                if keys is not None:
                    alternatives.append(link.where(link.expr.in_(keys)))
                continue
            keys = [key for key in (source.key_for(_reference_id(v, self.target)) for v in criterion.values)
                    if key is not None]
            if keys:
                alternatives.append(link.where(link.expr.in_(keys)))
        return or_(*alternatives) if alternatives else false()


def _reference_id(value: str, target: str) -> str:
    """The id in a reference value when it names a resource of the target type, else ""."""
    value = value.split("/_history/", 1)[0].rstrip("/")
    if "/" not in value:
        return value
    kind, _, resource_id = value.rpartition("/")
    return resource_id if kind.rsplit("/", 1)[-1] == target else ""


@dataclass(frozen=True)
class NearParam:
    """Location's near: latitude|longitude|distance|units, nearest first (read by search.near_from)."""

    kind: str = "special"
    modifiers: frozenset[str] = frozenset()

    def clause(self, criterion: Criterion, engine):
        """Offices within the distance of the point."""
        return engine.near_clause(criterion)


@dataclass
class Source:
    """Rows that become resources of one type: their key, base statement, order and parameters."""

    resource_type: str
    kind: str
    keys: tuple
    base: Callable[[], Any]  # a SELECT of the key columns with the rows' joins and conditions
    order: tuple
    params: dict[str, Any]
    resource_id: Callable[[tuple], str]
    key_for: Callable[[str], Any]
    updated: Any = None

    def id_clause(self, values: tuple[str, ...]):
        """Rows whose resource id is one of these."""
        keys = [key for key in (self.key_for(v) for v in values) if key is not None]
        return self.keys[0].in_(keys) if keys else false()


@dataclass
class ResourceType:
    """A FHIR resource type this server serves: its sources, declared parameters, includes and revincludes."""

    name: str
    profiles: tuple[str, ...]
    sources: tuple[Source, ...]
    parameters: dict[str, tuple[str, str]]  # name -> (type, definition URL)
    includes: tuple[str, ...] = ()
    revincludes: tuple[str, ...] = ()
    documentation: str = ""
    extra: dict = field(default_factory=dict)


def _plan_net(code: str) -> str:
    return f"{PLAN_NET}/SearchParameter/{code}"


def _base(resource: str, code: str) -> str:
    return f"http://hl7.org/fhir/SearchParameter/{resource}-{code}"


def _listing_keys(text: str):
    return ids.number_id(text)


def _practice_key(text: str):
    parsed = ids.parse_organization_id(text)
    return parsed[1] if parsed and parsed[0] == ids.PRACTICE else None


def _carrier_key(kind: str):
    def key(text: str):
        parsed = ids.parse_organization_id(text)
        return parsed[1] if parsed and parsed[0] == kind else None
    return key


def _full_name():
    return func.trim(Provider.first_name + literal(" ") + Provider.last_name)


def _practice_name():
    """The practice's name as resources._practice_name writes it: the clinician as they sign."""
    full = _full_name()
    return case((Provider.credentials != "", full + literal(", ") + Provider.credentials), else_=full)


def _type_ids(slugs) -> dict[str, int]:
    return ids_for_slugs(ProviderType, list(slugs))[0]


def _specialty_code():
    """The NUCC code a listing's specialty carries: its own when the guide's value set holds it, else its type's."""
    by_type = {type_id: DEFAULT_TAXONOMY[slug] for slug, type_id in _type_ids(DEFAULT_TAXONOMY).items()}
    default = case(by_type, value=Provider.provider_type_id, else_=None) if by_type else literal(None)
    return case((Provider.taxonomy_code.in_(sorted(codes.INDIVIDUAL_SPECIALTIES)), Provider.taxonomy_code), else_=default)


def _nucc(wrap=_same) -> Coding:
    """The listing's NUCC specialty, with the code's display name for :text."""
    def display():
        return select(TaxonomyCode.display_name).where(TaxonomyCode.code == _specialty_code()).scalar_subquery()
    return Coding(codes.NUCC_SYSTEM, On(Deferred(_specialty_code), wrap), On(Deferred(display), wrap), upper_case=True)


def _by_provider_type(mapping: dict[str, str]) -> On:
    """A value chosen by the listing's provider type (none for a type the mapping lacks)."""
    def make():
        by_type = {type_id: mapping[slug] for slug, type_id in _type_ids(mapping).items()}
        return case(by_type, value=Provider.provider_type_id, else_=None) if by_type else literal(None)
    return On(Deferred(make))


def _service_name():
    psychiatry = list(_type_ids(PSYCHIATRY_TYPES).values())
    kind = case((Provider.provider_type_id.in_(psychiatry), literal("Psychiatry")), else_=literal("Psychotherapy"))
    return kind + literal(" with ") + _full_name()


def _listing_refs() -> dict[str, ReferenceParam]:
    """References every listing-backed resource has to the listing's other resources."""
    return {
        "organization": ReferenceParam("Organization", {ids.PRACTICE: On(Provider.id)}, ("organization",)),
        "endpoint": ReferenceParam("Endpoint", {"listing:Endpoint": _endpoint_of(Provider.id)}, ("endpoint",)),
        "location": ReferenceParam("Location", {"office": On(Office.id, _via_offices)}, ("location",)),
    }


def _listing_source(resource_type: str, params: dict, *, contactable: bool = False) -> Source:
    rules = public_clauses() + (contactable_clauses() if contactable else [])
    return Source(
        resource_type=resource_type, kind=f"listing:{resource_type}", keys=(Provider.id,),
        base=lambda: select(Provider.id).where(*rules),
        order=(Provider.last_name, Provider.first_name, Provider.id),
        params=params, resource_id=lambda row: str(row[0]), key_for=_listing_keys, updated=Provider.updated_at,
    )


def _practitioner() -> ResourceType:
    params = {
        # The full name starts with the first name, so matching it covers the given name too.
        "name": StringParam((On(_full_name()), On(Provider.last_name), On(Provider.credentials))),
        "family": StringParam((On(Provider.last_name),)),
        "given": StringParam((On(Provider.first_name),)),
        "identifier": TokenParam((Coding(codes.NPI_SYSTEM, On(Provider.npi)),)),
    }
    return ResourceType(
        "Practitioner", (codes.PROFILE["Practitioner"],), (_listing_source("Practitioner", params),),
        {
            "name": ("string", _plan_net("practitioner-name")),
            "family": ("string", _plan_net("practitioner-family-name")),
            "given": ("string", _plan_net("practitioner-given-name")),
            "identifier": ("token", _base("Practitioner", "identifier")),
        },
        revincludes=("PractitionerRole:practitioner",),
        documentation="Clinicians listed in the directory.",
    )


def _practitioner_role() -> ResourceType:
    refs = _listing_refs()
    params = {
        **refs,
        "practitioner": ReferenceParam("Practitioner", {"listing:Practitioner": On(Provider.id)}, ("practitioner",)),
        "service": ReferenceParam("HealthcareService", {"listing:HealthcareService": On(Provider.id)},
                                  ("healthcareService",)),
        "network": ReferenceParam("Organization", {ids.NETWORK: On(InsurancePlan.slug, _via_sole_carrier)},
                                  ("extension", codes.NETWORK_REFERENCE)),
        "role": TokenParam((Coding(codes.PROVIDER_ROLE_SYSTEM, _by_provider_type(_column(codes.PROVIDER_ROLE, 0)),
                                   _by_provider_type(_column(codes.PROVIDER_ROLE, 1))),)),
        "specialty": TokenParam((_nucc(),)),
    }
    return ResourceType(
        "PractitionerRole", (codes.PROFILE["PractitionerRole"],), (_listing_source("PractitionerRole", params),),
        {
            "practitioner": ("reference", _plan_net("practitionerrole-practitioner")),
            "organization": ("reference", _plan_net("practitionerrole-organization")),
            "location": ("reference", _plan_net("practitionerrole-location")),
            "service": ("reference", _plan_net("practitionerrole-service")),
            "network": ("reference", _plan_net("practitionerrole-network")),
            "endpoint": ("reference", _plan_net("practitionerrole-endpoint")),
            "role": ("token", _plan_net("practitionerrole-role")),
            "specialty": ("token", _plan_net("practitionerrole-specialty")),
        },
        includes=tuple(f"PractitionerRole:{name}" for name in
                       ("practitioner", "organization", "location", "service", "network", "endpoint")),
        documentation="A clinician in their practice: offices, specialty (NUCC), networks, office hours, new patients.",
    )


def _healthcare_service() -> ResourceType:
    refs = _listing_refs()
    params = {
        **refs,
        "organization": ReferenceParam("Organization", {ids.PRACTICE: On(Provider.id)}, ("providedBy",)),
        "name": StringParam((On(Deferred(_service_name)),)),
        "service-category": _constant_token(codes.BEHAVIORAL_HEALTH),
        "service-type": TokenParam((_modality_coding(codes.SERVICE_TYPE_SYSTEM, codes.SERVICE_TYPE_OF_MODALITY),)),
        "specialty": TokenParam((_nucc(),)),
    }
    return ResourceType(
        "HealthcareService", (codes.PROFILE["HealthcareService"],), (_listing_source("HealthcareService", params),),
        {
            "location": ("reference", _plan_net("healthcareservice-location")),
            "coverage-area": ("reference", _plan_net("healthcareservice-coverage-area")),
            "organization": ("reference", _plan_net("healthcareservice-organization")),
            "endpoint": ("reference", _plan_net("healthcareservice-endpoint")),
            "name": ("string", _plan_net("healthcareservice-name")),
            "service-category": ("token", _plan_net("healthcareservice-service-category")),
            "service-type": ("token", _plan_net("healthcareservice-service-type")),
            "specialty": ("token", _plan_net("healthcareservice-specialty")),
        },
        includes=tuple(f"HealthcareService:{name}" for name in ("location", "coverage-area", "organization", "endpoint")),
        revincludes=("PractitionerRole:service", "OrganizationAffiliation:service"),
        documentation="Each clinician's service, psychotherapy or psychiatry: where, how (in person, virtual), new patients.",
    )


def _endpoint() -> ResourceType:
    params = {"organization": ReferenceParam("Organization", {ids.PRACTICE: On(Provider.id)}, ("managingOrganization",))}
    return ResourceType(
        "Endpoint", (codes.PROFILE["Endpoint"],), (_listing_source("Endpoint", params, contactable=True),),
        {"organization": ("reference", _plan_net("endpoint-organization"))},
        includes=("Endpoint:organization",),
        documentation="Each listing's contact page on this site, where a person or a clinician writes to the clinician.",
    )


def _office_source(params: dict) -> Source:
    return Source(
        resource_type="Location", kind="office", keys=(Office.id,),
        base=lambda: select(Office.id).join(Provider, Office.provider_id == Provider.id).where(*public_clauses()),
        order=(Office.id,), params=params, resource_id=lambda row: str(row[0]), key_for=ids.number_id,
        updated=Provider.updated_at,
    )


def _location() -> ResourceType:
    address = (On(Office.address1), On(Office.address2), On(Office.city), On(Office.state), On(Office.zip))
    params = {
        "organization": ReferenceParam("Organization", {ids.PRACTICE: On(Office.provider_id)}, ("managingOrganization",)),
        "endpoint": ReferenceParam("Endpoint", {"listing:Endpoint": _endpoint_of(Office.provider_id)}, ("endpoint",)),
        "address": StringParam(address),
        "address-city": StringParam((On(Office.city),)),
        "address-state": StringParam((On(Office.state),)),
        "address-postalcode": StringParam((On(Office.zip),)),
        "type": _constant_token(codes.PROVIDERS_OFFICE),
        "near": NearParam(),
    }
    return ResourceType(
        "Location", (codes.PROFILE["Location"],), (_office_source(params),),
        {
            "partof": ("reference", _plan_net("location-partof")),
            "organization": ("reference", _plan_net("location-organization")),
            "endpoint": ("reference", _plan_net("location-endpoint")),
            "address": ("string", _plan_net("location-address")),
            "address-city": ("string", _plan_net("location-address-city")),
            "address-state": ("string", _plan_net("location-address-state")),
            "address-postalcode": ("string", _plan_net("location-address-postalcode")),
            "type": ("token", _plan_net("location-type")),
            "near": ("special", _base("Location", "near")),
        },
        includes=("Location:endpoint", "Location:organization", "Location:partof"),
        revincludes=("HealthcareService:location", "InsurancePlan:coverage-area", "OrganizationAffiliation:location",
                     "PractitionerRole:location"),
        documentation="Offices where clinicians see patients in person, with opening hours; near searches by distance.",
    )


def _constant_token(coding: dict) -> TokenParam:
    """A token every row of the source holds: one fixed coding."""
    return TokenParam((Coding(coding["system"], On(literal(coding["code"])), On(literal(coding["display"]))),))


def _column(mapping: dict[str, tuple[str, str]], index: int) -> dict[str, str]:
    return {key: value[index] for key, value in mapping.items()}


def _via_modalities(condition):
    return Provider.id.in_(
        select(provider_modalities.c.provider_id)
        .join(Modality, provider_modalities.c.modality_id == Modality.id).where(condition)
    )


def _modality_coding(system: str, by_modality: dict[str, tuple[str, str]]) -> Coding:
    """A coding a listing holds for each of its modalities that maps to a code."""
    code = case(_column(by_modality, 0), value=Modality.slug, else_=None)
    display = case(_column(by_modality, 1), value=Modality.slug, else_=None)
    return Coding(system, On(code, _via_modalities), On(display, _via_modalities))


def _carrier_source(kind: str, params: dict) -> Source:
    return Source(
        resource_type="Organization", kind=kind, keys=(InsurancePlan.slug,),
        base=lambda: select(InsurancePlan.slug).where(InsurancePlan.slug.not_in(ids.NOT_A_CARRIER)),
        order=(InsurancePlan.sort_order, InsurancePlan.slug), params=params,
        resource_id=lambda row, kind=kind: ids.organization_id(kind, row[0]), key_for=_carrier_key(kind),
    )


def _organization() -> ResourceType:
    practice = Source(
        resource_type="Organization", kind=ids.PRACTICE, keys=(Provider.id,),
        base=lambda: select(Provider.id).where(*public_clauses()),
        order=(Provider.last_name, Provider.first_name, Provider.id),
        params={
            "name": StringParam((On(_practice_name()),)),
            "address": StringParam(tuple(On(column, _via_offices) for column in
                                         (Office.address1, Office.address2, Office.city, Office.state, Office.zip))),
            "type": _constant_token(codes.PROVIDER_GROUP),
            "endpoint": ReferenceParam("Endpoint", {"listing:Endpoint": _endpoint_of(Provider.id)}, ("endpoint",)),
        },
        resource_id=lambda row: ids.organization_id(ids.PRACTICE, row[0]), key_for=_practice_key,
        updated=Provider.updated_at,
    )
    payer = _carrier_source(ids.PAYER, {
        "name": StringParam((On(InsurancePlan.name),)),
        "type": _constant_token(codes.PAYER),
    })
    network = _carrier_source(ids.NETWORK, {
        "name": StringParam((On(InsurancePlan.name + literal(NETWORK_NAME_SUFFIX)),)),
        "type": _constant_token(codes.NETWORK),
        "partof": ReferenceParam("Organization", {ids.PAYER: On(InsurancePlan.slug)}, ("partOf",)),
    })
    return ResourceType(
        "Organization", (codes.PROFILE["Organization"], codes.PROFILE["Network"]), (payer, network, practice),
        {
            "partof": ("reference", _plan_net("organization-partof")),
            "endpoint": ("reference", _plan_net("organization-endpoint")),
            "address": ("string", _plan_net("organization-address")),
            "name": ("string", _plan_net("organization-name")),
            "type": ("token", _plan_net("organization-type")),
            "coverage-area": ("reference", _plan_net("organization-coverage-area")),
        },
        includes=("Organization:partof", "Organization:endpoint", "Organization:coverage-area"),
        revincludes=("Endpoint:organization", "HealthcareService:organization", "InsurancePlan:administered-by",
                     "InsurancePlan:owned-by", "OrganizationAffiliation:primary-organization",
                     "PractitionerRole:organization", "PractitionerRole:network",
                     "OrganizationAffiliation:participating-organization"),
        documentation="Each clinician's practice; each insurance carrier listings take, as payer and as its network.",
    )


def _affiliation() -> ResourceType:
    def base():
        return (select(provider_insurance.c.provider_id, InsurancePlan.slug)
                .join(Provider, provider_insurance.c.provider_id == Provider.id)
                .join(InsurancePlan, provider_insurance.c.insurance_plan_id == InsurancePlan.id)
                .where(*public_clauses(), InsurancePlan.slug.not_in(ids.NOT_A_CARRIER)))

    def key_for(text: str):
        return ids.parse_affiliation_id(text)

    refs = _listing_refs()
    source = Source(
        resource_type="OrganizationAffiliation", kind="affiliation",
        keys=(provider_insurance.c.provider_id, InsurancePlan.slug), base=base,
        order=(provider_insurance.c.provider_id, InsurancePlan.sort_order, InsurancePlan.slug),
        params={
            "participating-organization": ReferenceParam(
                "Organization", {ids.PRACTICE: On(provider_insurance.c.provider_id)}, ("participatingOrganization",)),
            "primary-organization": ReferenceParam("Organization", {ids.PAYER: On(InsurancePlan.slug)}, ("organization",)),
            "network": ReferenceParam("Organization", {ids.NETWORK: On(InsurancePlan.slug)}, ("network",)),
            "location": refs["location"],
            "endpoint": refs["endpoint"],
            "service": ReferenceParam("HealthcareService", {"listing:HealthcareService": On(provider_insurance.c.provider_id)},
                                      ("healthcareService",)),
            "role": _constant_token(codes.OUTPATIENT_BEHAVIORAL),
            "specialty": TokenParam((_nucc(),)),
        },
        resource_id=lambda row: ids.affiliation_id(row[0], row[1]), key_for=key_for, updated=Provider.updated_at,
    )
    source.id_clause = lambda values: or_(false(), *[
        and_(provider_insurance.c.provider_id == key[0], InsurancePlan.slug == key[1])
        for key in (key_for(v) for v in values) if key is not None
    ])
    return ResourceType(
        "OrganizationAffiliation", (codes.PROFILE["OrganizationAffiliation"],), (source,),
        {
            "primary-organization": ("reference", _plan_net("organizationaffiliation-primary-organization")),
            "participating-organization": ("reference", _plan_net("organizationaffiliation-participating-organization")),
            "location": ("reference", _plan_net("organizationaffiliation-location")),
            "service": ("reference", _plan_net("organizationaffiliation-service")),
            "network": ("reference", _plan_net("organizationaffiliation-network")),
            "endpoint": ("reference", _plan_net("organizationaffiliation-endpoint")),
            "role": ("token", _plan_net("organizationaffiliation-role")),
            "specialty": ("token", _plan_net("organizationaffiliation-specialty")),
        },
        includes=tuple(f"OrganizationAffiliation:{name}" for name in
                       ("primary-organization", "participating-organization", "location", "service", "endpoint",
                        "network")),
        documentation="A practice's participation in an insurance carrier's network.",
    )


def _insurance_plan() -> ResourceType:
    return ResourceType(
        "InsurancePlan", (f"{codes.STRUCTURE}/plannet-InsurancePlan",), (),
        {
            "administered-by": ("reference", _plan_net("insuranceplan-administered-by")),
            "owned-by": ("reference", _plan_net("insuranceplan-owned-by")),
            "coverage-area": ("reference", _plan_net("insuranceplan-coverage-area")),
            "name": ("string", _plan_net("insuranceplan-name")),
            "plan-type": ("token", _plan_net("insuranceplan-plan-type")),
            "identifier": ("token", _plan_net("insuranceplan-identifier")),
            "type": ("token", _plan_net("insuranceplan-type")),
        },
        includes=("InsurancePlan:administered-by", "InsurancePlan:owned-by", "InsurancePlan:coverage-area"),
        documentation="None: the directory knows which carriers a clinician takes, not which of their products, "
                      "so it lists no insurance products; searches answer with none.",
    )


@cache
def resource_types() -> dict[str, ResourceType]:
    """Every resource type this server serves, by name."""
    types = [_practitioner(), _practitioner_role(), _healthcare_service(), _endpoint(), _location(), _organization(),
             _affiliation(), _insurance_plan()]
    return {kind.name: kind for kind in types}


SERVED_TYPES = ("Practitioner", "PractitionerRole", "HealthcareService", "Endpoint", "Location", "Organization",
                "OrganizationAffiliation", "InsurancePlan")
COMMON_PARAMETERS = {
    "_id": ("token", "http://hl7.org/fhir/SearchParameter/Resource-id"),
    "_lastUpdated": ("date", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"),
}
