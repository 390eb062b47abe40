"""GET /api/v1/providers and /api/v1/providers/<id>."""
import pytest


def test_search_answers_results_with_the_documented_fields(client, make_provider):
    make_provider(first_name="Ada", last_name="Quillfeather", modalities=["psychodynamic"], frequencies=["weekly"],
                  telehealth=True)
    response = client.get("/api/v1/providers?near=10025&modality=psychodynamic")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) >= {"results", "page", "per_page", "total"}
    assert data["total"] == 1 and data["page"] == 1 and data["per_page"] == 20
    result = data["results"][0]
    for key in ["id", "name", "credentials", "type", "distance_miles", "modalities", "frequencies",
                "accepting_new_patients", "availability_confirmed_on", "telehealth", "offices", "url"]:
        assert key in result
    assert result["name"] == "Ada Quillfeather" and result["type"] == "psychologist"
    assert result["modalities"] == ["psychodynamic"] and result["frequencies"] == ["weekly"]
    assert result["distance_miles"] == 0.0 and result["accepting_new_patients"] is True
    assert set(result["offices"][0]) >= {"city", "state", "zip", "lat", "lng"}
    assert result["url"].endswith(f"/providers/{result['id']}")


def test_without_location_distance_is_null_and_order_is_by_name(client, make_provider):
    make_provider(last_name="Zed")
    make_provider(last_name="Abel")
    data = client.get("/api/v1/providers").get_json()
    assert [r["name"].split()[-1] for r in data["results"]] == ["Abel", "Zed"]
    assert all(r["distance_miles"] is None for r in data["results"])


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("near=00000", "near"), ("radius=0", "radius"), ("radius=x", "radius"), ("modality=nope", "modality"),
        ("frequency=daily", "frequency"), ("lat=1000&lng=1", "lat"), ("lat=1&lng=", "lng"), ("max_fee=ten", "max_fee"),
        ("per_page=1000", "per_page"), ("page=-1", "page"), ("language=klingon", "language"),
        ("age_group=babies", "age_group"), ("accepting=perhaps", "accepting"), ("colour=blue", "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/providers?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter
    assert response.get_json()["error"]["message"]


def test_page_past_the_end_is_a_400(client, make_provider):
    make_provider()
    response = client.get("/api/v1/providers?page=3")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "page"


def test_one_provider_in_full(client, make_provider):
    provider = make_provider(npi="1234567893", concerns=["anxiety"], licenses=["NY"], telehealth=True)
    data = client.get(f"/api/v1/providers/{provider.id}").get_json()
    assert data["npi"] == "1234567893" and data["conditions"] == ["anxiety"]
    assert data["licenses"][0]["state"] == "NY" and data["telehealth_states"] == ["NY"]


def test_unknown_provider_is_a_404_in_json(client):
    response = client.get("/api/v1/providers/424242")
    assert response.status_code == 404 and "error" in response.get_json()


@pytest.mark.parametrize("url", ["/api/v1/providers/99999999999999999999", "/providers/2147483648"])
def test_ids_beyond_a_database_integer_are_not_found(client, url):
    assert client.get(url).status_code == 404
