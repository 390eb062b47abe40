"""GET /api/v1/reference-lists: every list a JSON field takes its values from, each value with its label.

The values (slugs) are what results, listings and search parameters carry; the labels are in the language
Accept-Language asks for (English or Spanish), so a client can show a result as the directory's pages do.
"""
from flask import jsonify

from ..services.attributes import API, ATTRIBUTES
from ..services.reference import all_items
from . import api_bp

# The listing attributes whose JSON values come from a list: a reference list or fixed choices.
LISTED_ATTRIBUTES = tuple(a for a in ATTRIBUTES if API in a.outputs and a.is_list)


def _values(attribute) -> list[dict]:
    if attribute.reference is not None:
        return [{"slug": item.slug, "label": item.label} for item in all_items(attribute.reference)]
    return [{"slug": choice.value, "label": str(choice.label)} for choice in attribute.choices]


def reference_lists() -> dict:
    """Each listed attribute's output key -> its heading, search parameter and values with their labels."""
    return {
        attribute.output_key: {
            "label": str(attribute.plural),
            "parameter": attribute.search_parameter if attribute.searchable else None,
            "values": _values(attribute),
        }
        for attribute in LISTED_ATTRIBUTES
    }


@api_bp.get("/reference-lists")
def get_reference_lists():
    """The values of every listed field, with labels in the request's language."""
    return jsonify(reference_lists())
