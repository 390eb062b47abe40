"""Therapy guides: the psychodynamic guide and the list of modalities."""
from itertools import groupby

from flask import Blueprint, abort, render_template

from ..models import Modality
from ..services.guides import psychodynamic_guide
from ..services.reference import all_items, get_by_slug

bp = Blueprint("guides", __name__, url_prefix="/therapies")


@bp.get("/")
def index():
    """Every modality with a sentence or two, grouped by family, each linked to its search."""
    modalities = sorted(all_items(Modality), key=lambda m: (m.family, m.sort_order))
    families = [(family, list(items)) for family, items in groupby(modalities, key=lambda m: m.family)]
    return render_template("guides/index.html", families=families)


@bp.get("/psychodynamic")
def psychodynamic():
    """The psychodynamic therapy guide, leading into the directory."""
    return render_template("guides/psychodynamic.html", guide=psychodynamic_guide())


@bp.get("/<slug>")
def modality(slug: str):
    """One modality: what it is and who offers it."""
    item = get_by_slug(Modality, slug)
    if item is None:
        abort(404)
    return render_template("guides/modality.html", modality=item)
