"""GET /api/v1/providers (search) and /api/v1/providers/<id>."""
from flask import current_app, jsonify, request

from ..services.errors import ValidationFailed
from ..services.providers import get_public_provider
from ..services.search import AvailabilityRules, also_nearby, search_providers
from ..services.search_params import SearchLimits, SearchRefused, parse_search
from . import api_bp
from .errors import error_response, in_english
from .schemas import provider_detail, provider_summary, search_page_dict


def _rules() -> AvailabilityRules:
    return AvailabilityRules.from_config(current_app.config)


@api_bp.errorhandler(SearchRefused)
def _search_refused(error: SearchRefused):
    """A refused search; a place that named no single place also carries the likeliest places to choose from."""
    suggestions = [{"near": choice.near, "label": choice.label} for choice in error.place_choices]
    extra = {"suggestions": suggestions} if "near" in error.errors else {}
    return error_response(400, error.message, error.parameter, errors=error.errors, **extra)


@api_bp.get("/providers")
def list_providers():
    """Search the directory; the same parameters as the /search page, and the same group apart in also_nearby."""
    with in_english():
        criteria = parse_search(
            request.args, current_app.extensions["geocoder"], SearchLimits.from_config(current_app.config), strict=True
        )
    page = search_providers(criteria, rules=_rules())
    if page.past_the_end:
        raise ValidationFailed({"page": f"page {criteria.page} is past the end ({page.pages} pages)"})
    nearby = [provider_summary(hit, _rules()) for hit in also_nearby(criteria, rules=_rules())]
    return jsonify({**search_page_dict(page, _rules()), "also_nearby": nearby})


@api_bp.get("/providers/<int:provider_id>")
def get_provider(provider_id: int):
    """One provider in full."""
    with in_english():
        provider = get_public_provider(provider_id)
    return jsonify(provider_detail(provider, _rules()))
