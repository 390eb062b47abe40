"""FHIR envelopes: searchset and history Bundles, OperationOutcomes and the CapabilityStatement."""
from __future__ import annotations

from datetime import datetime

from . import codes
from .catalog import COMMON_PARAMETERS, ResourceType

FHIR_VERSION = "4.0.1"
SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED",
             "display": "subsetted"}


def instant(moment: datetime | None) -> str | None:
    """A FHIR instant to the second."""
    return moment.isoformat(timespec="seconds") if moment else None


def searchset(entries: list[tuple[dict, str]], total: int | None, links: dict[str, str], base: str,
              outcome: dict | None = None) -> dict:
    """A searchset Bundle of (resource, "match" | "include") entries, paging links and an outcome of warnings."""
    bundle = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": relation, "url": url} for relation, url in links.items()]
    found = [
        {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource, "search": {"mode": mode}}
        for resource, mode in entries
    ]
    if outcome is not None:
        found.append({"resource": outcome, "search": {"mode": "outcome"}})
    if found:  # FHIR JSON has no empty arrays
        bundle["entry"] = found
    return bundle


def history(resource: dict, base: str) -> dict:
    """A history Bundle of a resource's versions this server keeps: the current one."""
    version = resource.get("meta", {}).get("versionId")
    first = version in (None, "1")
    entry = {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "request": {"method": "POST" if first else "PUT",
                    "url": resource["resourceType"] if first else f"{resource['resourceType']}/{resource['id']}"},
        "response": {"status": "201 Created" if first else "200 OK"},
    }
    if version:
        entry["response"]["etag"] = f'W/"{version}"'
    if resource.get("meta", {}).get("lastUpdated"):
        entry["response"]["lastModified"] = resource["meta"]["lastUpdated"]
    return {"resourceType": "Bundle", "type": "history", "total": 1, "entry": [entry]}


def operation_outcome(code: str, diagnostics: str, parameter: str | None = None) -> dict:
    """An OperationOutcome with one error issue; `expression` names the offending parameter."""
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if parameter:
        issue["expression"] = [parameter]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_issue(warnings: list[tuple[str, str]]) -> dict:
    """An OperationOutcome of warnings: parameters set aside and limits applied."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "not-supported", "diagnostics": f"{parameter} {why}",
                   "expression": [parameter]} for parameter, why in warnings],
    }


def _resource_entry(kind: ResourceType) -> dict:
    entry = {
        "type": kind.name,
        "profile": kind.profiles[0],
        "supportedProfile": list(kind.profiles),
        "documentation": kind.documentation,
        "interaction": [{"code": code} for code in ("read", "vread", "search-type", "history-instance")],
        "versioning": "versioned",
        "readHistory": False,
        "conditionalRead": "full-support",
        "referencePolicy": ["literal", "resolves"],
        "searchParam": [
            {"name": name, "definition": definition, "type": kind_of}
            for name, (kind_of, definition) in {**COMMON_PARAMETERS, **kind.parameters}.items()
        ],
    }
    if kind.includes:
        entry["searchInclude"] = list(kind.includes)
    if kind.revincludes:
        entry["searchRevInclude"] = list(kind.revincludes)
    return entry


def capability_statement(base: str, types: dict[str, ResourceType], published: datetime, count_limit: int) -> dict:
    """The server's CapabilityStatement, from the resource types it serves."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(published),
        "publisher": "Open Therapy Directory",
        "kind": "instance",
        "software": {"name": "Open Therapy Directory"},
        "implementation": {"description": "Read-only provider directory conforming to Da Vinci PDex Plan-Net 1.2.0",
                           "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "instantiates": [f"{codes.PLAN_NET}/CapabilityStatement/plan-net"],
        "implementationGuide": [f"{codes.PLAN_NET}/ImplementationGuide/hl7.fhir.us.davinci-pdex-plan-net"],
        "rest": [{
            "mode": "server",
            "documentation": (
                f"Searches page with _count (1 to {count_limit}; larger values are lowered to {count_limit}, 0 "
                "counts only) and _offset, and answer with searchset Bundles; _summary=count, _total and "
                "_elements are honoured. Repeated parameters must all hold, comma-separated values are "
                "alternatives, and strings match from their start ignoring case and accents (:exact, :contains). "
                "Parameters this server does not know are ignored and reported in an OperationOutcome entry, "
                "unless the request says Prefer: handling=strict. Searches may also be POSTed to [type]/_search. "
                "Only the current version of a resource is kept."
            ),
            "resource": [_resource_entry(kind) for kind in types.values()],
        }],
    }
