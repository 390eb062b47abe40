"""The search page: a GET form and its results."""
from flask import Blueprint, render_template, request

from ..services.errors import ValidationFailed
from ..services.map_view import MapPoint, MapView, build_map
from ..services.attributes import SEARCHABLE
from ..services.reference import items_by_attribute
from ..services.search import also_nearby, search_providers
from ..services.search_params import given, parse_search
from .context import availability_rules, geocoder, search_limits
from .forms import SearchForm

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    """Show the search form and, once anything is asked, the results."""
    form = SearchForm(request.args)
    form.set_choices(items_by_attribute(SEARCHABLE))
    results = None
    criteria = None
    nearby = []
    place_choices = ()
    if given(request.args):
        try:
            criteria = parse_search(request.args, geocoder(), search_limits())
        except ValidationFailed as error:
            form.attach_errors(error.errors)
            place_choices = error.place_choices
        else:
            results = search_providers(criteria, rules=availability_rules())
            if results.past_the_end:
                form.attach_errors({"page": f"There is no page {criteria.page}: the results end at page {results.pages}."})
            else:
                nearby = also_nearby(criteria, rules=availability_rules())
    status = 400 if form.has_errors else 200
    return render_template("search/index.html", form=form, results=results, criteria=criteria,
                           rules=availability_rules(), place_choices=place_choices, also_nearby=nearby), status


@bp.app_template_global("results_map")
def results_map(results, criteria) -> MapView | None:
    """A results page's map: each in-person result's nearest office, numbered as in the list, and the place searched."""
    if not results or not results.hits or criteria is None or criteria.place is None:
        return None
    first = (results.page - 1) * results.per_page + 1
    points = [MapPoint(hit.nearest_office.lat, hit.nearest_office.lng, number,
                       f"{hit.provider.name}, {hit.nearest_office.city}, {hit.nearest_office.state}", f"#provider-{hit.provider.id}")
              for number, hit in enumerate(results.hits, first)
              if hit.nearest_office is not None and not hit.via_telehealth]
    if not points:
        return None
    place = criteria.place
    label = f"Map of {len(points)} {'result' if len(points) == 1 else 'results'} near {place.label}"
    points.append(MapPoint(place.lat, place.lng, None, f"{place.label}, where you searched"))
    return build_map(points, label, "Pins are numbered as in the list; the cross marks where you searched. "
                                    "State outlines from the US Census Bureau.")
