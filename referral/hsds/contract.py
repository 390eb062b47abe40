"""The upstream HSDS 3.0 OpenAPI document as the contract /hsds answers to, read from seed_data/hsds_v3_schema/.

Upstream's document names its schemas by their raw.githubusercontent.com addresses; here each such
reference is replaced by the vendored file itself, so that checking answers against it fetches nothing.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "seed_data" / "hsds_v3_schema"
UPSTREAM_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _schema_file(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _rebase(node, folder: str):
    """The node with its file-relative references (taxonomy.json -> metadata.json) made relative to SCHEMA_DIR."""
    if isinstance(node, list):
        return [_rebase(item, folder) for item in node]
    if not isinstance(node, dict):
        return node
    rebased = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and folder and not value.startswith("#"):
            rebased[key] = f"{folder}/{value}"
        else:
            rebased[key] = _rebase(value, folder)
    return rebased


def inline_schema_files(node, seen: tuple[str, ...] = ()):
    """The node with every reference to an upstream schema file replaced by that vendored file, recursively."""
    if isinstance(node, list):
        return [inline_schema_files(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    target = node.get("$ref")
    if isinstance(target, str) and not target.startswith("#"):
        name = target.removeprefix(UPSTREAM_BASE)
        if name in seen:
            raise ValueError(f"circular reference to {name}")
        loaded = _rebase(_schema_file(name), name.rpartition("/")[0])
        return inline_schema_files(loaded, (*seen, name))
    return {key: inline_schema_files(value, seen) for key, value in node.items()}


def upstream_openapi() -> dict:
    """Upstream's openapi.json as published."""
    return _schema_file("openapi.json")


def upstream_contract(base_path: str = "/hsds") -> dict:
    """Upstream's document served under base_path, its schema files inlined.

    One correction: upstream gives GET /service_at_locations/{id} the service schema (compiled/service.json),
    while its own description of that answer ("fully nested service_at_location with all related data") and
    the notes on the compiled schemas (SOURCE.txt) make it compiled/service_at_location.json.
    """
    document = copy.deepcopy(upstream_openapi())
    document["servers"] = [{"url": base_path}]
    answer = document["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    answer["schema"]["$ref"] = UPSTREAM_BASE + "compiled/service_at_location.json"
    return inline_schema_files(document)
