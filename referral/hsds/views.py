"""HSDS endpoints: paged lists and single records as JSON; errors in the API's error shape."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Response, current_app, jsonify, request, stream_with_context, url_for
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, db
from ..services.errors import NotFound, ValidationFailed
from ..services.interop import (
    ListingConditions,
    OfficeQuery,
    ProviderQuery,
    RecordPage,
    ReferenceCondition,
    find_offices,
    find_providers,
    find_reference_items,
    get_public_office,
    get_public_record,
    get_reference_item,
)
from ..services.search import AvailabilityRules
from . import hsds_bp
from .ids import parse_hsds_id
from .params import HsdsParams, parse_params
from .records import (
    full_service_at_location,
    location,
    minimal_service,
    organization,
    organization_summary,
    page,
    service,
    service_at_location_summary,
    service_summary,
)
from .taxonomies import TAXONOMIES, parse_term_id, taxonomy_by_id, taxonomy_record, term

HSDS_VERSION = "3.0"
PAGING = frozenset({"page", "per_page", "format"})
SEARCH_LISTS = PAGING | {"search"}
TERM_FILTERS = frozenset({"taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full"})
SERVICE_LIST = SEARCH_LISTS | TERM_FILTERS | {"minimal"}
SERVICE_AT_LOCATION_LIST = SEARCH_LISTS | TERM_FILTERS | {"postcode", "proximity"}
ORGANIZATION_LIST = SEARCH_LISTS | {"full", "full_service"}
LOCATION_LIST = SEARCH_LISTS | {"organization_id", "postcode", "proximity"}
TAXONOMY_TERM_LIST = SEARCH_LISTS | {"taxonomy_id", "top_only", "parent_id"}
DETAIL = frozenset({"format"})
ORGANIZATION_DETAIL = DETAIL | {"full_service"}
# Rows read per query while streaming a whole list as NDJSON.
STREAM_BATCH = 100

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


Fetch = Callable[[int, int], RecordPage]  # (limit, offset) -> one page of rows


def _listing(params: HsdsParams, fetch: Fetch, render: Callable) -> Response:
    """One page of records as the HSDS page envelope, or with format=ndjson every record, one JSON object a line."""
    if not params.ndjson:
        found = fetch(params.per_page, params.offset)
        return jsonify(page([render(row) for row in found.items], found.total, params.page, params.per_page))

    def lines() -> Iterator[str]:
        offset = 0
        while True:
            found = fetch(STREAM_BATCH, offset)
            for row in found.items:
                yield current_app.json.dumps(render(row)) + "\n"
            db.session.expunge_all()  # rows already sent: the session holds one batch at a time
            offset += STREAM_BATCH
            if not found.items or offset >= found.total:
                return

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")


def _conditions(params: HsdsParams) -> ListingConditions:
    references = []
    if params.taxonomy_term is not None:
        taxonomy, item_id = params.taxonomy_term
        references.append(ReferenceCondition(taxonomy.reference, item_id))
    if params.taxonomy is not None:
        references.append(ReferenceCondition(params.taxonomy.reference))
    return ListingConditions(tuple(references), params.modified_after)


def _providers(params: HsdsParams) -> Fetch:
    ids = (params.organization_id,) if params.organization_id is not None else None
    query, conditions = ProviderQuery(ids=ids, text=params.search), _conditions(params)
    return lambda limit, offset: find_providers(query, conditions, limit=limit, offset=offset)


def _offices(params: HsdsParams) -> Fetch:
    providers = (params.organization_id,) if params.organization_id is not None else None
    query = OfficeQuery(provider_ids=providers, postcode=params.postcode, near=params.near, text=params.search)
    conditions = _conditions(params)
    return lambda limit, offset: find_offices(query, conditions, limit=limit, offset=offset)


def _full_organization(provider, full_service: bool) -> dict:
    url, rules = _profile_url(provider.id), _rules()
    offered = service(provider, url, rules) if full_service else service_summary(provider, url, rules)
    return organization(provider, [offered])


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
    """Services (one per clinician: psychotherapy or psychiatry), paged; minimal (before full) or fully nested on request."""
    params = _params(SERVICE_LIST)
    rules = _rules()
    if params.minimal:
        render = minimal_service
    elif params.full:
        render = lambda provider: service(provider, _profile_url(provider.id), rules)  # noqa: E731
    else:
        render = lambda provider: service_summary(provider, _profile_url(provider.id), rules)  # noqa: E731
    return _listing(params, _providers(params), render)


@hsds_bp.get("/services/<record_id>")
def service_detail(record_id: str):
    """One service in full."""
    _params(DETAIL)
    provider = get_public_record(_record_id("service", record_id))
    return jsonify(service(provider, _profile_url(provider.id), _rules()))


@hsds_bp.get("/organizations")
def organizations():
    """Organizations (each clinician's practice), paged; fully nested with full, and with full services with full_service."""
    params = _params(ORGANIZATION_LIST)
    if params.full or params.full_service:
        render = lambda provider: _full_organization(provider, params.full_service)  # noqa: E731
    else:
        render = organization_summary
    return _listing(params, _providers(params), render)


@hsds_bp.get("/organizations/<record_id>")
def organization_detail(record_id: str):
    """One organization in full; its services with every detail with full_service."""
    params = _params(ORGANIZATION_DETAIL)
    return jsonify(_full_organization(get_public_record(_record_id("organization", record_id)), params.full_service))


@hsds_bp.get("/locations")
def locations():
    """Locations (offices), paged; postcode, or postcode and proximity in meters."""
    params = _params(LOCATION_LIST)
    return _listing(params, _offices(params), lambda row: location(row[0]))


@hsds_bp.get("/locations/<record_id>")
def location_detail(record_id: str):
    """One location."""
    _params(DETAIL)
    return jsonify(location(get_public_office(_record_id("location", record_id))))


@hsds_bp.get("/service_at_locations")
def service_at_locations():
    """Where each service is offered, paged; nearest first with postcode and proximity; fully nested with full."""
    params = _params(SERVICE_AT_LOCATION_LIST)
    rules = _rules()
    nest = full_service_at_location if params.full else service_at_location_summary
    return _listing(params, _offices(params),
                    lambda row: nest(row[0], _profile_url(row[0].provider_id), rules, row[1]))


@hsds_bp.get("/service_at_locations/<record_id>")
def service_at_location_detail(record_id: str):
    """One service at one location, fully nested."""
    _params(DETAIL)
    office = get_public_office(_record_id("service_at_location", record_id))
    return jsonify(full_service_at_location(office, _profile_url(office.provider_id), _rules()))


def _taxonomies_matching(text: str) -> list:
    words = [word.lower() for word in text.split()]
    return [taxonomy for taxonomy in TAXONOMIES
            if all(word in f"{taxonomy.name} {taxonomy.description}".lower() for word in words)]


@hsds_bp.get("/taxonomies")
def taxonomies():
    """The taxonomies: provider types, psychotherapy modalities and concerns."""
    params = _params(SEARCH_LISTS)
    matching = _taxonomies_matching(params.search)

    def fetch(limit: int, offset: int) -> RecordPage:
        return RecordPage(matching[offset:offset + limit], len(matching), offset, limit)

    return _listing(params, fetch, taxonomy_record)


@hsds_bp.get("/taxonomies/<record_id>")
def taxonomy_detail(record_id: str):
    """One taxonomy."""
    _params(DETAIL)
    taxonomy = taxonomy_by_id(record_id)
    if taxonomy is None:
        raise NotFound(f"No taxonomy with id {record_id[:60]}.")
    return jsonify(taxonomy_record(taxonomy))


@hsds_bp.get("/taxonomy_terms")
def taxonomy_terms():
    """Terms of the taxonomies, paged; none has a parent, so every term is a top term and parent_id matches none."""
    params = _params(TAXONOMY_TERM_LIST)
    if params.parent_term is not None:
        references = ()
    elif params.taxonomy is not None:
        references = (params.taxonomy.reference,)
    else:
        references = tuple(taxonomy.reference for taxonomy in TAXONOMIES)

    def fetch(limit: int, offset: int) -> RecordPage:
        return find_reference_items(references, params.search, limit=limit, offset=offset)

    return _listing(params, fetch, lambda row: term(*row, detail=True))


@hsds_bp.get("/taxonomy_terms/<record_id>")
def taxonomy_term_detail(record_id: str):
    """One taxonomy term, with its taxonomy."""
    _params(DETAIL)
    found = parse_term_id(record_id)
    if found is None:
        raise NotFound(f"No taxonomy term with id {record_id[:60]}.")
    taxonomy, item_id = found
    return jsonify(term(taxonomy.reference, get_reference_item(taxonomy.reference, item_id), detail=True))


@hsds_bp.get("/<path:unknown>")
def unknown_path(unknown: str):
    """Anything else under /hsds: a JSON not-found answer."""
    raise NotFound("No such HSDS endpoint.")
