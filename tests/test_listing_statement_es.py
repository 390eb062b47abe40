"""A listing's statement in Spanish: edited beside the English one, shown on Spanish pages, marked where it falls back."""
from sqlalchemy import select

from referral.extensions import db
from referral.models import ListingAudit
from test_listings_web import form_data, owned, reload

SPANISH = "Trabajo con adultos.\r\n\r\nTambién atiendo por telesalud.  "


def test_the_editor_saves_the_spanish_statement_and_the_spanish_profile_shows_it(app, client, make_user,
                                                                                make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    editor = client.get(f"/listings/{provider.id}/edit").get_data(as_text=True)
    assert "About you and your practice, in Spanish (optional)" in editor and 'name="statement_es"' in editor

    response = client.post(f"/listings/{provider.id}/edit", data={**form_data(provider), "statement_es": SPANISH})
    assert response.status_code == 302
    # Kept as typed, like the English statement: line breaks as \n, the ends trimmed.
    assert reload(app, provider.id).statement_es == "Trabajo con adultos.\n\nTambién atiendo por telesalud."
    with app.app_context():
        entry = db.session.scalars(select(ListingAudit).where(ListingAudit.provider_id == provider.id)
                                   .order_by(ListingAudit.id.desc())).first()
        assert "statement_es" in entry.changes
    assert "Statement in Spanish" in client.get(f"/listings/{provider.id}/history").get_data(as_text=True)

    spanish = client.get(f"/es/providers/{provider.id}").get_data(as_text=True)
    assert "<p>Trabajo con adultos.</p><p>También atiendo por telesalud.</p>" in spanish
    assert "I work with adults." not in spanish

    english = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "<p>I work with adults.</p>" in english
    assert "Trabajo con adultos." not in english


def test_a_page_without_a_statement_in_its_language_shows_the_other_marked_with_its_language(client, make_provider):
    english_only = make_provider(statement="I work with adults.", statement_es="")
    spanish = client.get(f"/es/providers/{english_only.id}").get_data(as_text=True)
    assert '<div class="statement" lang="en"><p>I work with adults.</p></div>' in spanish

    spanish_only = make_provider(statement="", statement_es="Trabajo con adultos.")
    english = client.get(f"/providers/{spanish_only.id}").get_data(as_text=True)
    assert '<div class="statement" lang="es"><p>Trabajo con adultos.</p></div>' in english

    neither = make_provider(statement="", statement_es="")
    assert 'id="about-heading"' not in client.get(f"/providers/{neither.id}").get_data(as_text=True)


def test_a_spanish_statement_over_the_limit_is_refused_by_its_field(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    response = client.post(f"/listings/{provider.id}/edit",
                           data={**form_data(provider), "statement_es": "palabra " * 700})
    assert response.status_code == 400
    assert "Keep this under 5000 characters." in response.get_data(as_text=True)
    assert reload(app, provider.id).statement_es == ""
