"""The JSON API's labels follow Accept-Language (English or Spanish); slugs, keys and error messages do not."""
import pytest
from flask_babel import gettext

from referral.api.openapi import build_document
from referral.i18n import in_language
from referral_world import as_role, sent, world  # noqa: F401

SPANISH = {"Accept-Language": "es"}


def _values(lists: dict, key: str) -> dict[str, str]:
    return {value["slug"]: value["label"] for value in lists[key]["values"]}


def test_reference_lists_are_in_spanish_when_asked(client):
    response = client.get("/api/v1/reference-lists", headers=SPANISH)
    assert response.status_code == 200
    lists = response.get_json()
    assert _values(lists, "modalities")["psychodynamic"] == "Terapia psicodinámica"
    assert _values(lists, "modalities")["cbt"] == "Terapia cognitivo-conductual"
    assert _values(lists, "conditions")["depression"] == "Depresión"
    assert _values(lists, "type")["psychologist"] == "Psicólogo"
    assert _values(lists, "frequencies")["weekly"] == "Semanal"
    assert _values(lists, "hours")["weekends"] == "Fines de semana"
    assert lists["modalities"]["label"] == "Enfoques terapéuticos" and lists["modalities"]["parameter"] == "modality"
    assert response.headers["Content-Language"] == "es"
    assert "Accept-Language" in response.headers["Vary"]


def test_reference_lists_are_in_english_without_the_header(client):
    response = client.get("/api/v1/reference-lists")
    lists = response.get_json()
    assert _values(lists, "modalities")["psychodynamic"] == "Psychodynamic Therapy"
    assert _values(lists, "type")["psychologist"] == "Psychologist"
    assert lists["modalities"]["label"] == "Therapy approaches"
    assert lists["treatment_lengths"]["parameter"] is None  # shown, not searched
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("header, language", [("fr", "en"), ("es-MX", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"),
                                              ("es;q=0.9,en;q=0.8", "es")])
def test_the_best_language_of_the_header_is_chosen(client, header, language):
    response = client.get("/api/v1/reference-lists", headers={"Accept-Language": header})
    expected = {"en": "Psychodynamic Therapy", "es": "Terapia psicodinámica"}[language]
    assert _values(response.get_json(), "modalities")["psychodynamic"] == expected
    assert response.headers["Content-Language"] == language


def test_the_lists_keep_slugs_and_the_values_results_carry(client):
    english = client.get("/api/v1/reference-lists").get_json()
    spanish = client.get("/api/v1/reference-lists", headers=SPANISH).get_json()
    assert english.keys() == spanish.keys()
    for key in english:
        assert [v["slug"] for v in english[key]["values"]] == [v["slug"] for v in spanish[key]["values"]]
    # Insurance plans are proper names: the same in both languages.
    assert _values(english, "insurance") == _values(spanish, "insurance")


def test_search_results_keep_slugs_and_say_their_language(client, make_provider):
    make_provider(modalities=["psychodynamic"], frequencies=["weekly"])
    response = client.get("/api/v1/providers?near=10025&modality=psychodynamic", headers=SPANISH)
    assert response.status_code == 200
    result = response.get_json()["results"][0]
    assert result["modalities"] == ["psychodynamic"] and result["type"] == "psychologist"
    assert response.headers["Content-Language"] == "es" and "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("query", ["modality=nope", "accepting=perhaps", "max_fee=ten", "colour=blue"])
def test_error_messages_stay_english(client, query):
    english = client.get(f"/api/v1/providers?{query}").get_json()["error"]
    spanish = client.get(f"/api/v1/providers?{query}", headers=SPANISH).get_json()["error"]
    assert spanish == english


def test_an_unknown_provider_is_refused_in_english(client):
    english = client.get("/api/v1/providers/424242").get_json()
    spanish = client.get("/api/v1/providers/424242", headers=SPANISH)
    assert spanish.status_code == 404 and spanish.get_json() == english
    assert spanish.headers["Content-Language"] == "en"  # error messages are English whatever was asked


def test_the_document_describes_the_language_header():
    document = build_document()
    operation = document["paths"]["/api/v1/reference-lists"]["get"]
    assert "Accept-Language" in operation["description"] and "Accept-Language" in document["info"]["description"]
    assert set(operation["responses"]["200"]["headers"]) == {"Content-Language", "Vary"}
    assert "Accept-Language" in document["paths"]["/api/v1/referrals/{public_id}"]["get"]["description"]


def test_referral_state_labels_follow_the_header_and_errors_stay_english(app, world, sent, as_role):
    with app.app_context(), in_language("es"):
        viewed_in_spanish = gettext("Viewed")
    assert viewed_in_spanish != "Viewed"
    client = as_role("recipient")
    copy = f"/api/v1/referrals/copies/{sent.a.public_id}"
    assert client.get(copy).get_json()["state_label"] == "Viewed"
    spanish = client.get(copy, headers=SPANISH)
    assert spanish.get_json()["state"] == "viewed" and spanish.get_json()["state_label"] == viewed_in_spanish
    assert spanish.headers["Content-Language"] == "es"
    refused = client.post(f"{copy}/transitions", json={"action": "schedule", "appointment_date": "2099-01-01"},
                          headers=SPANISH)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "Cannot schedule first appointment: this referral is viewed."

