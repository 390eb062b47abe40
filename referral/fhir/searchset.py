"""A FHIR search from its parameters to its searchset Bundle: matches, _include, _revinclude, paging, outcome."""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from ..services.errors import ValidationFailed
from . import store
from .bundles import SUBSETTED, outcome_issue, searchset
from .catalog import ReferenceParam
from .engine import SearchEngine
from .query import Criterion, SearchQuery, read_query
from .resources import BuildContext

REVINCLUDE_LIMIT = 1000
KEPT_ELEMENTS = ("resourceType", "id", "meta")


def references_at(resource: dict, path: tuple[str, ...]) -> list[str]:
    """The literal references a resource holds at an element path (an extension step names its URL)."""
    nodes = [resource]
    steps = list(path)
    while steps:
        step = steps.pop(0)
        found = []
        for node in nodes:
            value = node.get(step) if isinstance(node, dict) else None
            items = value if isinstance(value, list) else [value] if value is not None else []
            if step == "extension":
                url = steps.pop(0)
                items = [item.get("valueReference") for item in items if item.get("url") == url]
            found += [item for item in items if item is not None]
        nodes = found
    return [node["reference"] for node in nodes if isinstance(node, dict) and node.get("reference")]


class FhirSearch:
    """One search request of one resource type."""

    def __init__(self, engine: SearchEngine, ctx: BuildContext, *, strict: bool):
        self.engine = engine
        self.ctx = ctx
        self.strict = strict
        self.warnings: list[tuple[str, str]] = []
        self.set_aside: set[tuple[str, str]] = set()  # (name, value) pairs not acted on, left out of paging links

    def _set_aside(self, parameter: str, why: str) -> None:
        if self.strict:
            raise ValidationFailed({parameter: f"{parameter} {why}"})
        self.warnings.append((parameter, why))

    def _known_criteria(self, type_name: str, query: SearchQuery) -> list[Criterion]:
        known = []
        for criterion in query.criteria:
            if self.engine.knows(type_name, criterion.name):
                known.append(criterion)
            else:
                self._set_aside(criterion.label, f"is not a search parameter of {type_name} on this server; ignored")
                self.set_aside.add((criterion.label, None))
        return known

    def _include_params(self, type_name: str, values: list[str]) -> list[tuple[str, ReferenceParam | None]]:
        offered = self.engine.types[type_name].includes
        chosen = []
        for value in values:
            name = ":".join(value.split(":")[:2])  # a third part narrows the target type, which is always one here
            if value != "*" and name not in offered:
                self._set_aside("_include", f"{value[:80]} is not offered on {type_name} (see /fhir/metadata); ignored")
                self.set_aside.add(("_include", value))
                continue
            for name in offered if value == "*" else [name]:
                source_type, param_name = name.split(":")
                params = [source.params.get(param_name) for source in self.engine.sources(source_type)]
                # InsurancePlan has no rows, so its includes name no parameter and include nothing.
                chosen.append((name, next((p for p in params if isinstance(p, ReferenceParam)), None)))
        return chosen

    def run(self, type_name: str, pairs: list[tuple[str, str]], base: str, self_url: str) -> dict:
        """The searchset Bundle of this search."""
        query = read_query(pairs)
        for parameter, why in query.ignored:
            self._set_aside(parameter, why)
        criteria = self._known_criteria(type_name, query)
        includes = self._include_params(type_name, query.includes)
        revincludes = self._revinclude_params(type_name, query.revincludes)
        page = self.engine.page(type_name, criteria, count=0 if query.count_only else query.count, offset=query.offset)
        entries: list[tuple[dict, str]] = []
        if not query.count_only:
            matches = self._build(page.rows)
            entries = [(self._subset(resource, query.elements), "match") for resource in matches]
            entries += [(resource, "include") for resource in self._included(matches, includes, revincludes)]
        links = self._links(self_url, query, page.total)
        outcome = outcome_issue(self.warnings) if self.warnings else None
        return searchset(entries, page.total if query.with_total else None, links, base, outcome)

    def _revinclude_params(self, type_name: str, values: list[str]) -> list[tuple[str, str]]:
        offered = self.engine.types[type_name].revincludes
        chosen = []
        for value in values:
            names = offered if value == "*" else [":".join(value.split(":")[:2])]
            if value != "*" and names[0] not in offered:
                self._set_aside("_revinclude", f"{value[:80]} is not offered on {type_name} (see /fhir/metadata); ignored")
                self.set_aside.add(("_revinclude", value))
                continue
            chosen += [tuple(name.split(":")) for name in names]
        return chosen

    def _build(self, rows) -> list[dict]:
        by_source = defaultdict(list)
        order = []
        for source, key in rows:
            if source.kind not in by_source:
                order.append(source)
            by_source[source.kind].append(key)
        built = []
        for source in order:
            built += store.build(source, by_source[source.kind], self.ctx)
        return built

    def read_many(self, type_name: str, resource_ids: list[str]) -> list[dict]:
        """The resources of a type with these ids (those that exist)."""
        criterion = Criterion("_id", values=tuple(resource_ids))
        return self._build(self.engine.page(type_name, [criterion], count=len(resource_ids), offset=0).rows)

    def _included(self, matches: list[dict], includes, revincludes) -> list[dict]:
        seen = {(r["resourceType"], r["id"]) for r in matches}
        wanted: dict[str, list[str]] = defaultdict(list)
        for _name, param in includes:
            if param is None:
                continue
            for resource in matches:
                for ref in references_at(resource, param.path):
                    kind, _, resource_id = ref.rpartition("/")
                    if kind in self.engine.types and (kind, resource_id) not in seen and resource_id not in wanted[kind]:
                        wanted[kind].append(resource_id)
        included = []
        for kind, resource_ids in wanted.items():
            for resource in self.read_many(kind, resource_ids):
                seen.add((kind, resource["id"]))
                included.append(resource)
        if matches:
            for source_type, param_name in revincludes:
                values = tuple(f"{r['resourceType']}/{r['id']}" for r in matches)
                criterion = Criterion(param_name, values=values)
                page = self.engine.page(source_type, [criterion], count=REVINCLUDE_LIMIT, offset=0)
                if page.total > REVINCLUDE_LIMIT:
                    self.warnings.append(("_revinclude", f"only the first {REVINCLUDE_LIMIT} {source_type} are included"))
                for resource in self._build(page.rows):
                    if (resource["resourceType"], resource["id"]) not in seen:
                        seen.add((resource["resourceType"], resource["id"]))
                        included.append(resource)
        return included

    @staticmethod
    def _subset(resource: dict, elements: tuple[str, ...]) -> dict:
        if not elements:
            return resource
        subset = {key: value for key, value in resource.items() if key in KEPT_ELEMENTS or key in elements}
        meta = dict(subset.get("meta", {}))
        meta["tag"] = [*meta.get("tag", []), SUBSETTED]
        subset["meta"] = meta
        return subset

    def _links(self, self_url: str, query: SearchQuery, total: int) -> dict[str, str]:
        kept = [(k, v) for k, v in query.kept
                if k != "_offset" and (k, None) not in self.set_aside and (k, v.strip()) not in self.set_aside]

        def link(at: int) -> str:
            return f"{self_url}?{urlencode(kept + [('_offset', str(at))])}"

        links = {"self": link(query.offset)}
        if query.count_only:
            return links
        links["first"] = link(0)
        if query.offset > 0:
            links["previous"] = link(max(0, query.offset - query.count))
        if query.offset + query.count < total:
            links["next"] = link(query.offset + query.count)
        return links
