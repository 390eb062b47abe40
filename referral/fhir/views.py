"""FHIR endpoints: /metadata, searches (GET and POST _search), reads, vreads and history; application/fhir+json only."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, NotAcceptable

from ..database import only_reads
from ..extensions import csrf
from ..models import utcnow
from ..services.errors import NotFound, ValidationFailed
from ..services.search import AvailabilityRules
from . import fhir_bp
from .bundles import capability_statement, history, operation_outcome
from .catalog import resource_types
from .engine import SearchEngine
from .query import JSON_FORMATS, MAX_COUNT
from .resources import BuildContext
from .searchset import FhirSearch
from .store import taxonomy_names

FHIR_JSON = "application/fhir+json"
SERVED_MEDIA_TYPES = (FHIR_JSON, "application/json")
ISSUE_CODES = {400: "invalid", 404: "not-found", 405: "not-supported", 406: "not-supported", 410: "deleted",
               413: "too-long", 415: "not-supported", 429: "throttled"}

csrf.exempt(fhir_bp)


def fhir_response(body: dict, status: int = 200) -> Response:
    """A FHIR JSON response."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=FHIR_JSON)


def _base() -> str:
    return url_for("fhir.metadata", _external=True).rsplit("/metadata", 1)[0]


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


@fhir_bp.before_request
def _refuse_other_formats():
    """Answer 406 when the client will take none of the JSON this server writes."""
    fmt = (request.values.get("_format") or "").strip()
    if fmt and fmt not in JSON_FORMATS:
        raise NotAcceptable("This server answers in JSON only: _format=json or application/fhir+json.")
    if request.headers.get("Accept") and not request.accept_mimetypes.best_match(SERVED_MEDIA_TYPES):
        raise NotAcceptable("This server answers in JSON only: accept application/fhir+json.")


def _engine() -> SearchEngine:
    config = current_app.config
    return SearchEngine(resource_types(), default_miles=config.get("SEARCH_DEFAULT_RADIUS_MILES", 25),
                        max_miles=config.get("SEARCH_MAX_RADIUS_MILES", 100))


def _context() -> BuildContext:
    return BuildContext(
        names=taxonomy_names(),
        rules=AvailabilityRules.from_config(current_app.config),
        listing_url=lambda pid: url_for("providers.profile", provider_id=pid, _external=True),
        contact_url=lambda pid: url_for("listings.contact", provider_id=pid, _external=True),
    )


def _searcher(engine: SearchEngine) -> FhirSearch:
    strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "").lower()
    return FhirSearch(engine, _context(), strict=strict)


def _served(engine: SearchEngine, resource_type: str) -> None:
    if resource_type not in engine.types:
        raise NotFound(f"This server has no {resource_type[:60]} resources; see /fhir/metadata.")


@fhir_bp.get("/metadata")
def metadata():
    """The CapabilityStatement."""
    return fhir_response(capability_statement(_base(), resource_types(), utcnow(), MAX_COUNT))


def _search(resource_type: str, pairs: list[tuple[str, str]]):
    engine = _engine()
    _served(engine, resource_type)
    bundle = _searcher(engine).run(resource_type, pairs, _base(), f"{_base()}/{resource_type}")
    return fhir_response(bundle)


@fhir_bp.get("/<resource_type>")
def search(resource_type: str):
    """Search a resource type; a searchset Bundle."""
    return _search(resource_type, list(request.args.items(multi=True)))


@fhir_bp.route("/<resource_type>/_search", methods=["GET", "POST"])
@only_reads
def search_by_post(resource_type: str):
    """The same search with its parameters in a form-encoded body (and the query string)."""
    if request.method == "POST" and request.content_type and request.mimetype != "application/x-www-form-urlencoded":
        raise ValidationFailed({"Content-Type": "send search parameters as application/x-www-form-urlencoded"})
    return _search(resource_type, list(request.args.items(multi=True)) + list(request.form.items(multi=True)))


def _current(resource_type: str, resource_id: str) -> dict:
    engine = _engine()
    _served(engine, resource_type)
    found = _searcher(engine).read_many(resource_type, [resource_id[:128]])
    if not found:
        raise NotFound(f"No {resource_type} with id {resource_id[:64]}.")
    return found[0]


def _with_validators(resource: dict) -> Response:
    """The resource with its ETag and Last-Modified, or 304 when the client's copy is current."""
    response = fhir_response(resource)
    meta = resource.get("meta", {})
    if meta.get("versionId"):
        response.set_etag(meta["versionId"], weak=True)
    if meta.get("lastUpdated"):
        response.last_modified = datetime.fromisoformat(meta["lastUpdated"])
    return response.make_conditional(request)


@fhir_bp.get("/<resource_type>/<resource_id>")
def read(resource_type: str, resource_id: str):
    """Read one resource by id (conditional on If-None-Match or If-Modified-Since)."""
    return _with_validators(_current(resource_type, resource_id))


@fhir_bp.get("/<resource_type>/<resource_id>/_history/<version_id>")
def vread(resource_type: str, resource_id: str, version_id: str):
    """Read one version of a resource: this server keeps the current one."""
    resource = _current(resource_type, resource_id)
    current = resource.get("meta", {}).get("versionId")
    if current != version_id:
        raise NotFound(f"{resource_type}/{resource_id[:64]} version {version_id[:20]} is not kept; "
                       f"the current version is {current or 'unversioned'}.")
    return _with_validators(resource)


@fhir_bp.get("/<resource_type>/<resource_id>/_history")
def instance_history(resource_type: str, resource_id: str):
    """A resource's history: the versions this server keeps."""
    return fhir_response(history(_current(resource_type, resource_id), _base()))


@fhir_bp.get("/", defaults={"unknown": ""})
@fhir_bp.get("/<path:unknown>")
def unknown_path(unknown: str):
    """Anything else under /fhir: a FHIR not-found answer."""
    raise NotFound("No such FHIR endpoint; see /fhir/metadata.")
