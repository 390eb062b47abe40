"""The Plan-Net 1.2.0 artifacts as a test oracle: the server CapabilityStatement, the SearchParameter
definitions, and a small evaluator for the FHIRPath expressions those definitions use.

The files in tests/data/plannet-1.2.0 are the IG's own, unchanged (CC0; see the NOTICE there).
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

IG = Path(__file__).parent / "data" / "plannet-1.2.0"
EXPECTATION = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation"
# R4's own definitions of the parameters every resource has, which the IG's statement lists without files.
BASE_PARAMETERS = {
    "_id": {"type": "token", "expression": "Resource.id"},
    "_lastUpdated": {"type": "date", "expression": "Resource.meta.lastUpdated"},
}
_STEP = re.compile(r"where\(url='([^']*)'\)|([A-Za-z_][A-Za-z0-9_]*)")


def _expectation(element: dict) -> str | None:
    return next((e["valueCode"] for e in element.get("extension", []) if e["url"] == EXPECTATION), None)


@cache
def capability_statement() -> dict:
    """The IG's server CapabilityStatement."""
    return json.loads((IG / "capabilitystatement-plan-net.json").read_text())


@cache
def search_parameters() -> dict[tuple[str, str], dict]:
    """The IG's SearchParameter definitions by (base resource, code)."""
    found = {}
    for path in sorted(IG.glob("SearchParameter-*.json")):
        definition = json.loads(path.read_text())
        for base in definition["base"]:
            found[(base, definition["code"])] = definition
    return found


def shall_resources() -> list[dict]:
    """The resource entries of the server statement, in its order."""
    return [r for r in capability_statement()["rest"][0]["resource"] if _expectation(r) == "SHALL"]


def shall_parameters() -> list[tuple[str, str, str, str]]:
    """(resource type, parameter, type, expression) of every SHALL search parameter in the statement."""
    rows = []
    for resource in shall_resources():
        for parameter in resource.get("searchParam", []):
            if _expectation(parameter) != "SHALL":
                continue
            definition = search_parameters().get((resource["type"], parameter["name"])) or BASE_PARAMETERS[parameter["name"]]
            rows.append((resource["type"], parameter["name"], definition["type"], definition["expression"]))
    return rows


def chains() -> list[tuple[str, str, str, str]]:
    """(resource type, reference parameter, target type, chained parameter) for every chain the IG defines
    on a SHALL reference parameter of the statement."""
    rows = []
    for resource_type, name, kind, _expression in shall_parameters():
        definition = search_parameters().get((resource_type, name))
        if kind != "reference" or not definition:
            continue
        for target in definition.get("target", []):
            rows += [(resource_type, name, target, chained) for chained in definition.get("chain", [])]
    return rows


def evaluate(resource: dict, expression: str) -> list:
    """The nodes an expression selects in a resource: paths, `where(url='…')` on extensions, and `|` unions."""
    nodes = []
    for path in expression.split("|"):
        path = path.strip()
        steps = [(url, name) for url, name in _STEP.findall(path)]
        if steps and steps[0][1] in (resource["resourceType"], "Resource"):
            steps = steps[1:]
        current = [resource]
        for url, name in steps:
            if url:
                current = [node for node in current if isinstance(node, dict) and node.get("url") == url]
                continue
            following = []
            for node in current:
                value = node.get(name) if isinstance(node, dict) else None
                following += value if isinstance(value, list) else [value] if value is not None else []
            current = following
        nodes += current
    return nodes


def fold(text: str) -> str:
    """Text without case or accents, as R4 string search compares it."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def strings(node) -> list[str]:
    """The strings a string search looks at in a node: itself, or a HumanName's or Address's parts."""
    if isinstance(node, str):
        return [node]
    if not isinstance(node, dict):
        return []
    found = []
    for key in ("text", "family", "given", "prefix", "suffix", "line", "city", "district", "state", "postalCode",
                "country"):
        value = node.get(key)
        found += value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return found


def tokens(node) -> list[tuple[str | None, str]]:
    """The (system, code) pairs a token search looks at in a node."""
    if isinstance(node, str):
        return [(None, node)]
    if not isinstance(node, dict):
        return []
    if "coding" in node:
        return [(c.get("system"), c["code"]) for c in node["coding"] if c.get("code")]
    if "code" in node:
        return [(node.get("system"), node["code"])]
    if "value" in node and isinstance(node["value"], str):
        return [(node.get("system"), node["value"])]
    return []


def references(node) -> list[str]:
    """The literal references in a node: a Reference, or an extension holding one."""
    if not isinstance(node, dict):
        return []
    if "valueReference" in node:
        node = node["valueReference"]
    return [node["reference"]] if node.get("reference") else []
