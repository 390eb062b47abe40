"""The Plan-Net server CapabilityStatement as the test: every SHALL search parameter, chain, _include and
_revinclude of every resource type is accepted and selects exactly what the IG's own definitions select.

For each parameter the expected matches are computed from the resources the server emits, by evaluating
the SearchParameter's FHIRPath expression on them (tests/fhir_paths.py): the IG's files are the oracle.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

import fhir_paths
from test_fhir_resources import fhir_json

NYC = {"address1": "10 West Street", "city": "New York", "state": "NY", "zip": "10025", "lat": 40.7975, "lng": -73.9683,
       "hours": [{"day": 0, "opens": 540, "closes": 1020}, {"day": 2, "opens": 600, "closes": 1080}]}
BEAVERTON = {"address1": "4 Canyon Road", "address2": "Suite 2", "city": "Beaverton", "state": "OR", "zip": "97005",
             "lat": 45.4871, "lng": -122.8037}
SAO_TOME = {"address1": "1 Rua Grande", "city": "São Tomé", "state": "NJ", "zip": "07102", "lat": 40.7357, "lng": -74.1724}


@pytest.fixture
def directory(make_provider, make_user):
    """Listings of several kinds: claimed and not, with and without offices, hours, carriers and languages."""
    owner = make_user("provider")
    return [
        make_provider(first_name="Zoë", last_name="Ångström", type="psychiatrist", npi="1234567893",
                      offices=[NYC, BEAVERTON], insurance=["aetna", "medicaid"], languages=["es", "en"],
                      owner_id=owner.id, listing_status="verified", modalities=["psychodynamic"]),
        make_provider(first_name="Ike", last_name="Beaverbrook", type="clinical-social-worker",
                      offices=[BEAVERTON], insurance=["aetna", "self-pay"], modalities=["family-systems"],
                      confirmed_days_ago=None),
        make_provider(first_name="Ann", last_name="Nakamura", type="counselor", taxonomy_code="101YP2500X",
                      offices=[SAO_TOME], insurance=["cigna"], accepting_new_patients=False),
        make_provider(first_name="Teo", last_name="Remote", type="psychologist", offices=[], telehealth=True,
                      in_person=False, licenses=["CA"]),
    ]


def everything(client, resource_type: str) -> list[dict]:
    """Every resource of a type, following next links."""
    url, found = f"/fhir/{resource_type}?_count=50", []
    while url:
        bundle = fhir_json(client.get(url))
        found += [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
        url = next((link["url"].split("://", 1)[1].split("/", 1)[1] for link in bundle["link"]
                    if link["relation"] == "next"), None)
        url = f"/{url}" if url else None
    return found


def matched(client, url: str) -> set[str]:
    bundle = fhir_json(client.get(url))
    Bundle.model_validate(bundle)
    assert not [e for e in bundle.get("entry", []) if e["search"]["mode"] == "outcome"], bundle
    return {e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"}


def probe(kind: str, nodes: list) -> tuple[str, callable] | None:
    """A search value taken from these nodes, and the test a resource's nodes pass to match it."""
    if kind == "string":
        values = [s for node in nodes for s in fhir_paths.strings(node) if s.strip()]
        if not values:
            return None
        prefix = values[0][:4]
        return prefix, lambda found: any(fhir_paths.fold(s).startswith(fhir_paths.fold(prefix))
                                         for node in found for s in fhir_paths.strings(node))
    if kind == "token":
        values = [t for node in nodes for t in fhir_paths.tokens(node)]
        if not values:
            return None
        system, code = values[0]
        text = f"{system}|{code}" if system else code
        return text, lambda found: any(t[1] == code and (system is None or t[0] == system)
                                       for node in found for t in fhir_paths.tokens(node))
    if kind == "reference":
        values = [r for node in nodes for r in fhir_paths.references(node)]
        if not values:
            return None
        return values[0], lambda found: values[0] in [r for node in found for r in fhir_paths.references(node)]
    if kind == "date":
        values = [node for node in nodes if isinstance(node, str)]
        if not values:
            return None
        day = values[0][:10]
        return f"ge{day}", lambda found: any(node[:10] >= day for node in found if isinstance(node, str))
    raise AssertionError(kind)


ABSENT = {"string": "Nothing Like It", "token": "http://example.org/none|none", "reference": "Location/999999",
          "date": "ge2999-01-01"}


@pytest.mark.parametrize("resource_type, name, kind, expression", fhir_paths.shall_parameters(),
                         ids=[f"{r[0]}-{r[1]}" for r in fhir_paths.shall_parameters()])
def test_every_shall_parameter_selects_what_its_definition_selects(client, directory, resource_type, name, kind,
                                                                    expression):
    resources = everything(client, resource_type)
    nodes = [node for resource in resources for node in fhir_paths.evaluate(resource, expression)]
    found = probe(kind, nodes)
    if found is None:
        # Nothing the directory emits holds this element: the parameter is accepted and selects nothing.
        assert matched(client, f"/fhir/{resource_type}?{name}={quote(ABSENT[kind])}") == set()
        return
    value, holds = found
    expected = {r["id"] for r in resources if holds(fhir_paths.evaluate(r, expression))}
    assert expected, (resource_type, name, value)
    assert matched(client, f"/fhir/{resource_type}?{name}={quote(value)}&_count=100") == expected


def test_parameters_the_data_fills_are_most_of_them(client, directory):
    """Guard against an oracle that passes by finding nothing: most SHALL parameters get real values."""
    empty = []
    for resource_type, name, kind, expression in fhir_paths.shall_parameters():
        resources = everything(client, resource_type)
        if probe(kind, [n for r in resources for n in fhir_paths.evaluate(r, expression)]) is None:
            empty.append(f"{resource_type}.{name}")
    assert sorted(empty) == sorted(
        [f"InsurancePlan.{n}" for n in ("administered-by", "owned-by", "coverage-area", "name", "plan-type", "identifier",
                                        "_id", "_lastUpdated", "type")]
        + ["HealthcareService.coverage-area", "Location.partof", "Organization.coverage-area"]
    )


@pytest.mark.parametrize("resource_type, name, target, chained", fhir_paths.chains(),
                         ids=[f"{r[0]}-{r[1]}.{r[3]}" for r in fhir_paths.chains()])
def test_every_chain_the_ig_defines_selects_through_the_reference(client, directory, resource_type, name, target,
                                                                  chained):
    reference_path = fhir_paths.search_parameters()[(resource_type, name)]["expression"]
    chained_definition = (fhir_paths.search_parameters().get((target, chained))
                          or fhir_paths.BASE_PARAMETERS.get(chained))
    targets = everything(client, target)
    nodes = [n for r in targets for n in fhir_paths.evaluate(r, chained_definition["expression"])]
    found = probe(chained_definition["type"], nodes)
    url = f"/fhir/{resource_type}?{name}.{chained}="
    if found is None:
        assert matched(client, url + quote(ABSENT[chained_definition["type"]])) == set()
        return
    value, holds = found
    chosen = {f"{target}/{r['id']}" for r in targets if holds(fhir_paths.evaluate(r, chained_definition["expression"]))}
    expected = {r["id"] for r in everything(client, resource_type)
                if chosen & {ref for n in fhir_paths.evaluate(r, reference_path) for ref in fhir_paths.references(n)}}
    assert matched(client, url + quote(value) + "&_count=100") == expected


def _statement_entries():
    return [(r["type"], include, "include") for r in fhir_paths.shall_resources() for include in r.get("searchInclude", [])] + \
        [(r["type"], include, "revinclude") for r in fhir_paths.shall_resources() for include in r.get("searchRevInclude", [])]


@pytest.mark.parametrize("resource_type, include, how", _statement_entries(),
                         ids=[f"{r[0]}-{r[2]}-{r[1]}" for r in _statement_entries()])
def test_every_include_and_revinclude_brings_what_the_references_name(client, directory, resource_type, include, how):
    source_type, name = include.split(":")
    path = fhir_paths.search_parameters()[(source_type, name)]["expression"]
    bundle = fhir_json(client.get(f"/fhir/{resource_type}?_count=100&_{how}={include}"))
    Bundle.model_validate(bundle)
    matches = [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
    included = {f"{e['resource']['resourceType']}/{e['resource']['id']}"
                for e in bundle.get("entry", []) if e["search"]["mode"] == "include"}
    assert not [e for e in bundle.get("entry", []) if e["search"]["mode"] == "outcome"]
    matched_refs = {f"{resource_type}/{r['id']}" for r in matches}
    if how == "include":
        expected = {ref for r in matches for n in fhir_paths.evaluate(r, path) for ref in fhir_paths.references(n)}
    else:
        expected = {f"{source_type}/{r['id']}" for r in everything(client, source_type)
                    if matched_refs & {ref for n in fhir_paths.evaluate(r, path) for ref in fhir_paths.references(n)}}
    assert included == expected - matched_refs


def test_capability_statement_lists_what_the_ig_requires(client):
    ours = fhir_json(client.get("/fhir/metadata"))
    CapabilityStatement.model_validate(ours)
    served = {r["type"]: r for r in ours["rest"][0]["resource"]}
    for required in fhir_paths.shall_resources():
        entry = served[required["type"]]
        assert set(required["supportedProfile"]) <= {entry["profile"], *entry.get("supportedProfile", [])}
        assert {i["code"] for i in required["interaction"]} <= {i["code"] for i in entry["interaction"]}
        assert {p["name"] for p in required.get("searchParam", [])} <= {p["name"] for p in entry["searchParam"]}
        assert set(required.get("searchInclude", [])) <= set(entry.get("searchInclude", []))
        assert set(required.get("searchRevInclude", [])) <= set(entry.get("searchRevInclude", []))
        for parameter in entry["searchParam"]:
            definition = fhir_paths.search_parameters().get((required["type"], parameter["name"]))
            if definition:
                assert parameter["definition"] == definition["url"]
                assert parameter["type"] == definition["type"]


def test_every_resource_the_server_emits_meets_its_profile(client, directory):
    from fhir_profile_rules import profile_problems

    for resource in fhir_paths.shall_resources():
        for emitted in everything(client, resource["type"]):
            assert profile_problems(emitted) == [], (emitted["resourceType"], emitted["id"])
            assert fhir_json(client.get(f"/fhir/{emitted['resourceType']}/{emitted['id']}")) == emitted
