"""Every GET route of the URL map with real arguments: shared by the sweeps that visit each page (cookies, languages)."""
from flask import url_for

from referral.services.availability import confirmation_token

SLUGS = {"guides.modality": "cbt"}  # routes whose slug is not a self-check's


def argument_values(app, provider) -> dict:
    """A value for each URL argument: the real listing, a real slug, a valid token, or one that names nothing."""
    return {
        "provider_id": provider.id,
        "slug": "phq-9",
        "token": confirmation_token(app.config["SECRET_KEY"], provider),
        "public_id": "not-a-referral",
        "resource_type": "Practitioner",
        "resource_id": str(provider.id), "version_id": "1",
        "record_id": "00000000-0000-0000-0000-000000000000",
        "unknown": "Patient",
    }


def get_routes(app, provider) -> list[tuple[str, str]]:
    """(endpoint, path) for each GET route but static files, its arguments filled from argument_values."""
    values = argument_values(app, provider)
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: give a value for {', '.join(sorted(missing))} in argument_values"
        arguments = {name: values[name] for name in rule.arguments}
        if "slug" in arguments:
            arguments["slug"] = SLUGS.get(rule.endpoint, values["slug"])
        with app.test_request_context():
            routes.append((rule.endpoint, url_for(rule.endpoint, **arguments)))
    return routes
