"""Therapy guides: the psychodynamic guide and the list of modalities."""
from itertools import groupby

from flask import Blueprint, abort, render_template

from ..i18n import lazy_gettext as _l
from ..models import Modality
from ..services.guides import psychodynamic_guide
from ..services.reference import all_items, get_by_slug

bp = Blueprint("guides", __name__, url_prefix="/therapies")

# The modality list's family column (seed_data/reference/modalities.csv) as headings people read.
FAMILY_NAMES = {
    "body-oriented": _l("Body-oriented"),
    "child": _l("Child"),
    "child/family": _l("Child/family"),
    "cognitive-behavioral": _l("Cognitive-behavioral"),
    "cognitive-behavioral (third wave)": _l("Cognitive-behavioral (third wave)"),
    "expressive": _l("Expressive"),
    "format": _l("Format"),
    "humanistic/experiential": _l("Humanistic/experiential"),
    "integrative": _l("Integrative"),
    "interpersonal": _l("Interpersonal"),
    "mindfulness-based": _l("Mindfulness-based"),
    "motivational": _l("Motivational"),
    "other": _l("Other"),
    "pharmacological": _l("Pharmacological"),
    "postmodern": _l("Postmodern"),
    "psychodynamic": _l("Psychodynamic"),
    "systemic": _l("Systemic"),
    "trauma-focused": _l("Trauma-focused"),
}


def family_name(family: str) -> str:
    """A modality family's name in the page's language (a family missing from the list shows as written)."""
    name = FAMILY_NAMES.get(family)
    return str(name) if name is not None else family.capitalize()


@bp.get("/")
def index():
    """Every modality with a sentence or two, grouped by family, each linked to its search."""
    modalities = sorted(all_items(Modality), key=lambda m: (m.family, m.sort_order))
    families = [(family, list(items)) for family, items in groupby(modalities, key=lambda m: m.family)]
    return render_template("guides/index.html", families=families, family_name=family_name)


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
    return render_template("guides/modality.html", modality=item, family_name=family_name)
