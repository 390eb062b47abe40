"""FHIR endpoints: /metadata, searches and reads; every answer is application/fhir+json."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from ..extensions import csrf
from ..models import utcnow
from ..services.errors import NotFound, ValidationFailed
from ..services.interop import (
    find_offices,
    find_providers,
    get_public_office,
    get_public_record,
    specialty_code,
    taxonomy_names,
)
from ..services.search import AvailabilityRules
from . import fhir_bp
from .bundles import capability_statement, operation_outcome, searchset
from .resources import location, practitioner, practitioner_role
from .search import SEARCH_PARAMETERS, parse_fhir_search, parse_id

FHIR_JSON = "application/fhir+json"
ISSUE_CODES = {400: "invalid", 404: "not-found", 405: "not-supported", 406: "not-supported", 413: "too-long",
               429: "throttled"}

csrf.exempt(fhir_bp)


def fhir_response(body: dict, status: int = 200) -> Response:
    """A FHIR JSON response."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=FHIR_JSON)


def _base() -> str:
    return url_for("fhir.metadata", _external=True).rsplit("/metadata", 1)[0]


def _rules() -> AvailabilityRules:
    return AvailabilityRules.from_config(current_app.config)


@fhir_bp.errorhandler(ValidationFailed)
def _invalid(error: ValidationFailed):
    return fhir_response(operation_outcome("invalid", error.message, error.parameter), 400)


@fhir_bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return fhir_response(operation_outcome("not-found", error.message or "not found"), 404)


@fhir_bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """An HTTP error in this interface's own format (naming the parameter the input boundary refused)."""
    status = error.code or 500
    outcome = operation_outcome(ISSUE_CODES.get(status, "exception"), error.description or error.name,
                                getattr(error, "parameter", None))
    response = fhir_response(outcome, status)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@fhir_bp.get("/metadata")
def metadata():
    """The CapabilityStatement."""
    return fhir_response(capability_statement(_base(), SEARCH_PARAMETERS, utcnow()))


def _page_links(total: int, count: int, offset: int) -> dict[str, str]:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "_offset"]

    def link(at: int) -> str:
        return f"{request.base_url}?{urlencode(args + [('_offset', str(at))])}"

    links = {"self": link(offset), "first": link(0)}
    if offset > 0:
        links["previous"] = link(max(0, offset - count))
    if offset + count < total:
        links["next"] = link(offset + count)
    return links


@fhir_bp.get("/<resource_type>")
def search(resource_type: str):
    """Search Practitioner, PractitionerRole or Location; a searchset Bundle."""
    if resource_type not in SEARCH_PARAMETERS:
        raise NotFound(f"This server has no {resource_type[:60]} resources; see /fhir/metadata.")
    config = current_app.config
    criteria = parse_fhir_search(
        resource_type, request.args,
        default_miles=config.get("SEARCH_DEFAULT_RADIUS_MILES", 25), max_miles=config.get("SEARCH_MAX_RADIUS_MILES", 100),
    )
    if resource_type == "Location":
        page = find_offices(criteria.query, limit=criteria.count, offset=criteria.offset)
        entries = [(location(office), "match") for office, _ in page.items]
    else:
        page = find_providers(criteria.query, limit=criteria.count, offset=criteria.offset)
        names = taxonomy_names(specialty_code(p) for p in page.items)
        if resource_type == "Practitioner":
            entries = [(practitioner(p, names), "match") for p in page.items]
        else:
            entries = [(practitioner_role(p, names, _rules()), "match") for p in page.items]
            if "practitioner" in criteria.includes:
                entries += [(practitioner(p, names), "include") for p in page.items]
            if "location" in criteria.includes:
                entries += [(location(office), "include") for p in page.items for office in p.offices]
    links = _page_links(page.total, criteria.count, criteria.offset)
    return fhir_response(searchset(entries, page.total, links, _base()))


@fhir_bp.get("/<resource_type>/<resource_id>")
def read(resource_type: str, resource_id: str):
    """Read one resource by id."""
    if resource_type not in SEARCH_PARAMETERS:
        raise NotFound(f"This server has no {resource_type[:60]} resources; see /fhir/metadata.")
    number = parse_id(resource_id)
    if number is None:
        raise NotFound(f"No {resource_type} with id {resource_id[:40]}.")
    if resource_type == "Location":
        return fhir_response(location(get_public_office(number)))
    provider = get_public_record(number)
    names = taxonomy_names([specialty_code(provider)])
    if resource_type == "Practitioner":
        return fhir_response(practitioner(provider, names))
    return fhir_response(practitioner_role(provider, names, _rules()))


@fhir_bp.get("/", defaults={"unknown": ""})
@fhir_bp.get("/<path:unknown>")
def unknown_path(unknown: str):
    """Anything else under /fhir: a FHIR not-found answer."""
    raise NotFound("No such FHIR endpoint; see /fhir/metadata.")
