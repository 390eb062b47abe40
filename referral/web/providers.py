"""Provider profile pages."""
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..i18n import QUERY_CLEANERS
from ..services.errors import NotFound, ValidationFailed
from ..services.geocoding import distance_miles
from ..services.map_view import offices_map
from ..services.providers import get_public_provider
from ..services.reports import disputed_kinds
from ..services.search_params import KNOWN_PARAMETERS, parse_search
from .context import geocoder, search_limits

bp = Blueprint("providers", __name__)

# The longest results query string a profile carries back; longer ones are dropped, not cut.
MAX_FROM_LENGTH = 2000


def search_query(raw: str | None) -> str | None:
    """A results page's query string rebuilt from its search parameters alone (anything else dropped); None if none."""
    if not raw or len(raw) > MAX_FROM_LENGTH:
        return None
    try:
        pairs = parse_qsl(raw, max_num_fields=200)
    except ValueError:
        return None
    return urlencode([(key, value) for key, value in pairs if key in KNOWN_PARAMETERS]) or None


QUERY_CLEANERS["from"] = search_query  # the language switch carries the results page as the back link does


@bp.app_template_global("kept_search")
def kept_search() -> dict[str, str]:
    """The `from` parameter that carries the results page along: from the results page itself, or passed on."""
    if request.endpoint == "search.search":
        query = search_query(request.query_string.decode("utf-8", "replace"))
    else:
        query = search_query(request.args.get("from"))
    return {"from": query} if query else {}


@bp.app_template_global("back_to_search_url")
def back_to_search_url() -> str:
    """The results page the visitor came from, or a search from the place the link carries."""
    query = search_query(request.args.get("from"))
    if query:
        return f"{url_for('search.search')}?{query}"
    return url_for("search.search", **{key: request.args[key] for key in ("near", "lat", "lng") if request.args.get(key)})


def _search_place():
    """Where the visitor searched from, as the results page or the profile link says."""
    query = search_query(request.args.get("from"))
    args = MultiDict(parse_qsl(query)) if query else request.args
    located = {key: args[key] for key in ("near", "lat", "lng") if args.get(key)}
    if not located:
        return None
    try:
        return parse_search(located, geocoder(), search_limits()).place
    except ValidationFailed:
        return None


@bp.get("/providers/<int:provider_id>")
def profile(provider_id: int):
    """A provider's full listing, with each office's distance from the search's location."""
    try:
        provider = get_public_provider(provider_id)
    except NotFound:
        abort(404)
    place = _search_place()
    distances = {}
    if place is not None:
        for office in provider.offices:
            if office.lat is not None and office.lng is not None:
                distances[office.id] = distance_miles(place.lat, place.lng, office.lat, office.lng)
    return render_template("providers/profile.html", provider=provider, place=place, distances=distances,
                           cautions=disputed_kinds(provider.id, current_app.config))


bp.add_app_template_global(offices_map, "offices_map")

# Pages reached from a profile that register their routes on this blueprint.
from . import alerts, follow_ups, reports  # noqa: E402,F401
