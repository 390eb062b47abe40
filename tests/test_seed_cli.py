"""flask seed: reference lists and the demo directory, idempotently."""
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import Modality, Office, Provider, ProviderType, TaxonomyCode


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_loads_reference_lists_and_demo_directory_once(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        providers, offices = count(Provider), count(Office)
        assert providers >= 600 and offices >= providers
        assert count(Modality) == 36 and count(ProviderType) == 7 and count(TaxonomyCode) == 76
    assert f"{providers} providers added" in first.output

    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "0 providers added" in second.output
    with app.app_context():
        assert count(Provider) == providers and count(Office) == offices and count(Modality) == 36


def test_seed_if_empty_leaves_a_populated_directory_alone(app, runner, make_provider):
    make_provider()
    result = runner.invoke(args=["seed", "--if-empty"])
    assert result.exit_code == 0 and "already has providers" in result.output
    with app.app_context():
        assert count(Provider) == 1


def test_demo_directory_is_searchable_around_10025(runner, client):
    runner.invoke(args=["seed"])
    data = client.get("/api/v1/providers?near=10025&modality=psychodynamic&frequency=weekly&radius=5").get_json()
    assert data["total"] >= 10
    distances = [r["distance_miles"] for r in data["results"]]
    # Nearest first by mile (ranking is by one-mile band; availability orders the listings within one).
    bands = [int(d) for d in distances]
    assert bands == sorted(bands) and max(distances) <= 5
    psychiatrists = client.get("/api/v1/providers?type=psychiatrist&per_page=100").get_json()["results"]
    with_meds = [r for r in psychiatrists if "medication-management" in r["modalities"]]
    assert len(with_meds) > len(psychiatrists) / 2
