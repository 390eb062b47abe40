"""FHIR envelopes: searchset Bundles, OperationOutcomes and the CapabilityStatement."""
from __future__ import annotations

from datetime import datetime

from .resources import FHIR_VERSION, PLAN_NET, PROFILE, _instant


def searchset(entries: list[tuple[dict, str]], total: int, links: dict[str, str], base: str) -> dict:
    """A searchset Bundle of (resource, "match" | "include") entries with paging links."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": mode},
            }
            for resource, mode in entries
        ],
    }


def operation_outcome(code: str, diagnostics: str, parameter: str | None = None) -> dict:
    """An OperationOutcome with one error issue; `expression` names the offending parameter."""
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if parameter:
        issue["expression"] = [parameter]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def capability_statement(base: str, search_parameters: dict[str, dict[str, str]], published: datetime) -> dict:
    """The server's CapabilityStatement: read and search-type on the three resources."""
    type_docs = {
        "Practitioner": "Clinicians listed in the directory.",
        "PractitionerRole": "A clinician at their offices: specialty (NUCC) and whether they accept new patients.",
        "Location": "Offices where clinicians see patients in person.",
    }
    resources = []
    for resource_type, parameters in search_parameters.items():
        entry = {
            "type": resource_type,
            "profile": PROFILE[resource_type],
            "documentation": type_docs[resource_type],
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": name, "type": kind} for name, kind in parameters.items() if not name.startswith("_")
            ],
        }
        if resource_type == "PractitionerRole":
            entry["searchInclude"] = ["PractitionerRole:practitioner", "PractitionerRole:location"]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": _instant(published),
        "publisher": "Open Therapy Directory",
        "kind": "instance",
        "software": {"name": "Open Therapy Directory"},
        "implementation": {"description": "Read-only provider directory (Plan-Net shaped)", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "instantiates": [f"{PLAN_NET}/CapabilityStatement/plan-net"],
        "rest": [{
            "mode": "server",
            "documentation": "Searches page with _count (1-100) and _offset; results are searchset Bundles.",
            "resource": resources,
        }],
    }
