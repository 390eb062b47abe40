"""GET /api/v1/providers.csv: a search as CSV, with the same parameters as /api/v1/providers."""
from flask import Response, current_app, request, url_for

from ..streaming import stream_read_only
from ..services.export import search_csv
from ..services.search import AvailabilityRules
from ..services.search_params import SearchLimits, parse_search
from . import api_bp


@api_bp.get("/providers.csv")
def providers_csv():
    """Every match of a search (up to the count cap, 200) as CSV; with page or per_page, only that page."""
    config = current_app.config
    criteria = parse_search(request.args, current_app.extensions["geocoder"], SearchLimits.from_config(config), strict=True)
    whole = "page" not in request.args and "per_page" not in request.args
    lines = search_csv(
        criteria, rules=AvailabilityRules.from_config(config), whole=whole,
        profile_url=lambda provider_id: url_for("providers.profile", provider_id=provider_id, _external=True),
    )
    response = Response(stream_read_only(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="providers.csv"'
    return response
