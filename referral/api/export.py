"""GET /api/v1/providers.csv: a search as CSV, with the same parameters as /api/v1/providers (and bom)."""
from flask import Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict

from ..streaming import stream_read_only
from ..services.export import BOM_PARAMETER, CSV_MEDIA_TYPE, search_csv, wants_bom
from ..services.search import AvailabilityRules
from ..services.search_params import KNOWN_PARAMETERS, SearchLimits, given, parse_search
from . import api_bp
from .errors import in_english


@api_bp.get("/providers.csv")
def providers_csv():
    """Every match of a search (up to the count cap, 200) as CSV; with page or per_page, only that page."""
    config = current_app.config
    bom = wants_bom(request.args)
    search_args = MultiDict(request.args)
    search_args.poplist(BOM_PARAMETER)
    with in_english():
        criteria = parse_search(search_args, current_app.extensions["geocoder"], SearchLimits.from_config(config),
                                strict=True)
    whole = "page" not in request.args and "per_page" not in request.args
    lines = search_csv(
        criteria, rules=AvailabilityRules.from_config(config), whole=whole, bom=bom,
        profile_url=lambda provider_id: url_for("providers.profile", provider_id=provider_id, _external=True),
    )
    response = Response(stream_read_only(lines), content_type=CSV_MEDIA_TYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="providers.csv"'
    return response


@api_bp.app_template_global()
def search_csv_url(*, bom: bool = False) -> str:
    """The CSV export of the search page's current search (every match, not one page); bom for Excel."""
    args = MultiDict((name, value) for name, value in given(request.args).items(multi=True)
                     if name in KNOWN_PARAMETERS and name not in ("page", "per_page"))
    if bom:
        args[BOM_PARAMETER] = "true"
    return url_for("api.providers_csv", **args.to_dict(flat=False))
