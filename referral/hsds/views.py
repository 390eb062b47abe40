"""HSDS endpoints: paged lists and single records as JSON; errors in the API's error shape."""
from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from ..extensions import csrf
from ..services.errors import NotFound, ValidationFailed
from ..services.interop import (
    OfficeQuery,
    ProviderQuery,
    find_offices,
    find_providers,
    get_public_office,
    get_public_record,
)
from ..services.search import AvailabilityRules
from . import hsds_bp
from .params import HsdsParams, parse_params
from .records import (
    location,
    organization,
    organization_summary,
    page,
    parse_hsds_id,
    service,
    service_at_location,
    service_at_location_summary,
    service_summary,
)

HSDS_VERSION = "3.0"
PAGING = frozenset({"page", "per_page", "format"})
PROVIDER_LISTS = PAGING | {"search"}
SERVICE_LISTS = PROVIDER_LISTS | {"organization_id"}
PLACE_LISTS = SERVICE_LISTS | {"postcode", "proximity"}
DETAIL = frozenset({"format"})

csrf.exempt(hsds_bp)


def _error(status: int, message: str, parameter: str | None = None):
    return jsonify({"error": {"parameter": parameter, "message": message}}), status


@hsds_bp.errorhandler(ValidationFailed)
def _invalid(error: ValidationFailed):
    return _error(400, error.message, error.parameter)


@hsds_bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return _error(404, error.message or "not found")


@hsds_bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """An HTTP error in this interface's own format (naming the parameter the input boundary refused)."""
    response, status = _error(error.code or 500, error.description or error.name, getattr(error, "parameter", None))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def _params(allowed: frozenset[str]) -> HsdsParams:
    return parse_params(
        request.args, allowed, current_app.extensions["geocoder"], current_app.config.get("SEARCH_MAX_RADIUS_MILES", 100)
    )


def _rules() -> AvailabilityRules:
    return AvailabilityRules.from_config(current_app.config)


def _profile_url(provider_id: int) -> str:
    return url_for("providers.profile", provider_id=provider_id, _external=True)


def _record_id(kind: str, text: str) -> int:
    number = parse_hsds_id(kind, text)
    if number is None:
        raise NotFound(f"No {kind.replace('_', ' ')} with id {text[:60]}.")
    return number


def _provider_page(params: HsdsParams):
    ids = (params.organization_id,) if params.organization_id is not None else None
    return find_providers(ProviderQuery(ids=ids, text=params.search), limit=params.per_page, offset=params.offset)


def _office_page(params: HsdsParams):
    providers = (params.organization_id,) if params.organization_id is not None else None
    query = OfficeQuery(provider_ids=providers, postcode=params.postcode, near=params.near, text=params.search)
    return find_offices(query, limit=params.per_page, offset=params.offset)


@hsds_bp.get("/")
def about():
    """What this API is: HSDS version and where its description lives."""
    parse_params(request.args, DETAIL, current_app.extensions["geocoder"])
    return jsonify({
        "version": HSDS_VERSION,
        "profile": "https://docs.openreferral.org/en/latest/hsds/overview.html",
        "openapi_url": url_for("api.openapi_document", _external=True),
    })


@hsds_bp.get("/services")
def services():
    """Services (one per clinician: psychotherapy or psychiatry), paged."""
    params = _params(SERVICE_LISTS)
    found = _provider_page(params)
    items = [service_summary(p, _profile_url(p.id), _rules()) for p in found.items]
    return jsonify(page(items, found.total, params.page, params.per_page))


@hsds_bp.get("/services/<record_id>")
def service_detail(record_id: str):
    """One service in full."""
    _params(DETAIL)
    provider = get_public_record(_record_id("service", record_id))
    return jsonify(service(provider, _profile_url(provider.id), _rules()))


@hsds_bp.get("/organizations")
def organizations():
    """Organizations (each clinician's practice), paged."""
    params = _params(PROVIDER_LISTS)
    found = _provider_page(params)
    return jsonify(page([organization_summary(p) for p in found.items], found.total, params.page, params.per_page))


@hsds_bp.get("/organizations/<record_id>")
def organization_detail(record_id: str):
    """One organization in full."""
    _params(DETAIL)
    return jsonify(organization(get_public_record(_record_id("organization", record_id))))


@hsds_bp.get("/locations")
def locations():
    """Locations (offices), paged; postcode, or postcode and proximity in meters."""
    params = _params(PLACE_LISTS)
    found = _office_page(params)
    return jsonify(page([location(office) for office, _ in found.items], found.total, params.page, params.per_page))


@hsds_bp.get("/locations/<record_id>")
def location_detail(record_id: str):
    """One location."""
    _params(DETAIL)
    return jsonify(location(get_public_office(_record_id("location", record_id))))


@hsds_bp.get("/service_at_locations")
def service_at_locations():
    """Where each service is offered, paged; nearest first with postcode and proximity."""
    params = _params(PLACE_LISTS)
    found = _office_page(params)
    items = [
        service_at_location_summary(office, _profile_url(office.provider_id), _rules(), miles)
        for office, miles in found.items
    ]
    return jsonify(page(items, found.total, params.page, params.per_page))


@hsds_bp.get("/service_at_locations/<record_id>")
def service_at_location_detail(record_id: str):
    """One service at one location, with the service."""
    _params(DETAIL)
    office = get_public_office(_record_id("service_at_location", record_id))
    record = service_at_location(office)
    record["service"] = service_summary(office.provider, _profile_url(office.provider_id), _rules())
    return jsonify(record)


@hsds_bp.get("/<path:unknown>")
def unknown_path(unknown: str):
    """Anything else under /hsds: a JSON not-found answer."""
    raise NotFound("No such HSDS endpoint.")
