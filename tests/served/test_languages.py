"""Spanish over HTTP, as gunicorn serves it: the /es prefix, the home page's redirect, no cookie, forms that stay in Spanish."""
import re

from .visitor import Visitor, hidden_inputs


def test_a_spanish_browser_lands_on_es_and_searches_in_spanish_without_a_cookie(served):
    visitor = Visitor(served.url)
    landing = visitor.get("/", headers={"Accept-Language": "es-US,es;q=0.9"})
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/es/")
    assert "Accept-Language" in landing.headers["Vary"]
    results = visitor.get("/es/search?near=10025&modality=psychodynamic")
    assert results.status_code == 200 and '<html lang="es">' in results.text
    assert "Terapia psicodinámica" in results.text and 'href="/search?near=10025&amp;modality=psychodynamic"' in results.text
    assert "Set-Cookie" not in landing.headers and "Set-Cookie" not in results.headers
    assert visitor.session.cookies.get_dict() == {}


def test_a_form_posted_in_spanish_answers_in_spanish(served):
    visitor = Visitor(served.url)
    page = visitor.get("/es/login")
    assert page.status_code == 200 and '<html lang="es">' in page.text
    form_action = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    assert form_action is None or form_action.group(1).startswith("/es/")
    answer = visitor.post("/es/login", {"csrf_token": hidden_inputs(page.text)["csrf_token"],
                                        "email": "nobody@example.org", "password": "not the password"})
    assert answer.status_code in (200, 400, 401) and '<html lang="es">' in answer.text
    assert "nobody@example.org" in answer.text  # what was typed is kept
