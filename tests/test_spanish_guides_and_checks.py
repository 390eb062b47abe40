"""The therapy guides and the self-checks on Spanish (/es/) pages: translated text, the author's references kept
as written, and the questionnaires' own validated wording (or, lacking one, the English original, marked as such)."""
import re
from html import unescape

import pytest

from referral.services.guides import GUIDE_FILE, guide_file, parse_guide
from referral.services.screeners import GAD7, PHQ9, PHQ9_SPANISH

REFERENCES = [
    "Hales, R; Yudofsky, S; Roberts, L. (2014) The American Psychiatric Publishing Textbook of Psychiatry, Sixth "
    "Edition. Chapter 30.",
    "Leichsenring F, Luyten P, Hilsenroth MJ, et al. Psychodynamic therapy meets evidence-based medicine: a "
    "systematic review using updated criteria. Lancet Psychiatry. 2015;2(7):648-60.",
    "Gabbard GO. (2009) Textbook of Psychotherapeutic Treatments. Chapter 2. DOI:",
    "Krupnick JL, Sotsky SM, Simmens S, et al. (1996). The role of the therapeutic alliance in psychotherapy and "
    "pharmacotherapy outcome: findings in the National Institute of Mental Health Treatment of Depression "
    "Collaborative Research Program. J Consult Clin Psychol 64(3):532–539.",
]


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def page(client, path: str, **kwargs) -> str:
    response = client.post(path, **kwargs) if "data" in kwargs else client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_spanish_guide_file_has_the_same_structure_and_references():
    english = parse_guide(GUIDE_FILE.read_text(encoding="utf-8"))
    path = guide_file("es")
    assert path != GUIDE_FILE
    spanish = parse_guide(path.read_text(encoding="utf-8"), "es")
    assert [s.key for s in spanish.sections] == [s.key for s in english.sections]
    assert [len(s.paragraphs) for s in spanish.sections] == [len(s.paragraphs) for s in english.sections]
    assert len(spanish.closing) == len(english.closing) == 1
    assert spanish.references == english.references == REFERENCES


def test_spanish_psychodynamic_guide(client):
    html = page(client, "/es/therapies/psychodynamic")
    text = text_of(html)
    assert '<html lang="es"' in html
    assert "¿Qué es la terapia psicodinámica?" in text
    for heading in ("Qué es", "Quién la necesita", "Cómo funciona", "Adónde acudir", "Qué esperar", "Qué podría pasar"):
        assert f">{heading}</h2>" in html
    assert "Sigmund Freud" in text and "alianza terapéutica" in text
    assert "Encuentre un terapeuta psicodinámico cerca de usted" in text
    assert "Referencias" in text
    # The anchors are the same in both languages, so links into the guide keep working.
    assert 'id="what-to-expect"' in html and 'id="where-to-go"' in html
    for reference in REFERENCES:
        assert f"<li>{reference}</li>" in unescape(html)
    assert '<ol lang="en">' in html
    for english in ("What it is", "Who needs it", "Find a psychodynamic therapist near you", "Therapy guide"):
        assert english not in text


def test_english_guide_is_unchanged(client):
    text = text_of(page(client, "/therapies/psychodynamic"))
    assert "What is Psychodynamic Therapy?" in text and "Find a psychodynamic therapist near you" in text
    assert "¿Qué es" not in text


def test_spanish_treatment_options_page(client):
    html = page(client, "/es/therapies/options")
    text = text_of(html)
    assert "Tipos de opciones de tratamiento" in text
    for spanish in ("Terapias cognitivas y conductuales", "Terapias psicodinámicas y psicoanalíticas",
                    "Psicoterapia y medicamentos juntos", "¿No sabe por dónde empezar?",
                    "Buscar psiquiatras y enfermeros practicantes psiquiátricos", "Las referencias de la guía"):
        assert spanish in text, spanish
    # The guide's own sentence is quoted from the Spanish guide, with its references unchanged.
    assert "Los pacientes que reciben terapia psicodinámica responden mejor a los medicamentos psiquiátricos" in text
    assert "Krupnick JL, Sotsky SM, Simmens S, et al. (1996)" in text
    assert "/es/therapies/psychodynamic#what-to-expect" in html
    for english in ("Types of treatment options", "Cognitive and behavioral therapies", "Medication",
                    "Not sure where to start?", "Patients undergoing psychodynamic therapy", "Find clinicians who offer"):
        assert english not in text, english


def test_phq9_on_spanish_pages_uses_the_validated_spanish_wording(client):
    html = page(client, "/es/check/phq-9/questions")
    text = text_of(html)
    assert PHQ9_SPANISH.stem == (
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?")
    assert PHQ9_SPANISH.stem in text
    for number, item in enumerate(PHQ9_SPANISH.items, start=1):
        assert f'{number}<span class="visually-hidden"> de 9</span>.</span> {item}</legend>' in html
    for answer in ("Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"):
        assert html.count(f">{answer}</label>") == 9
    assert PHQ9_SPANISH.difficulty_question in text
    for answer in ("No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"):
        assert f">{answer}</label>" in html
    assert "No se requiere permiso para reproducir, traducir, presentar o distribuir." in text
    assert "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9" in text
    for english in ("Little interest or pleasure", "Not at all", "Several days", "Nearly every day"):
        assert english not in text
    assert "todavía no está incluida" not in text


def test_gad7_on_spanish_pages_stays_english_and_says_why(client):
    html = page(client, "/es/check/gad-7/questions")
    text = text_of(html)
    assert "La versión validada en español del GAD-7 todavía no está incluida aquí" in text
    assert f'<p id="check-stem" class="check-stem" lang="en">{GAD7.stem}</p>' in html
    for item in GAD7.items:
        assert f'<span lang="en">{item}</span>' in html
    assert html.count('<ul class="answer-list" lang="en">') == len(GAD7.items) + 1
    assert "Autoevaluación de ansiedad (GAD-7)" in text and "Ver mi resultado" in text
    assert '1<span class="visually-hidden"> de 7</span>.</span> <span lang="en">' in html
    intro = text_of(page(client, "/es/check/gad-7"))
    assert "todavía no está incluida" in intro


def test_phq9_submitted_on_spanish_pages_gives_a_spanish_result(client):
    answers = {f"q{n}": v for n, v in enumerate(["2", "2", "1", "2", "1", "1", "1", "1", "0"], start=1)}
    html = page(client, "/es/check/phq-9", data={**answers, "difficulty": "2"})
    text = text_of(html)
    assert "Su resultado del PHQ-9" in text
    assert "11 de 27" in text
    assert "Síntomas de depresión moderados" in text
    assert "Esta es una evaluación de detección, no un diagnóstico." in text
    assert "<strong>muy difícil</strong>" in html
    assert "Dónde encontrar ayuda" in text and "Depresión" in text
    assert "Terapia de conversación para la depresión" in text
    assert "Buscar psiquiatras y enfermeros practicantes psiquiátricos" in text
    assert 'action="/es/search"' in html
    for english in ("out of 27", "Moderate depression symptoms", "Where to find help", "Talk therapy",
                    "This is a screening"):
        assert english not in text, english


def test_spanish_crisis_result_points_to_the_spanish_lifeline(client):
    answers = {f"q{n}": "0" for n in range(1, 10)}
    html = page(client, "/es/check/phq-9", data={**answers, "q9": "1"})
    text = text_of(html)
    assert "Por favor, busque apoyo ahora" in text
    assert 'href="tel:988"' in html and "Llame al 988" in text
    assert 'href="https://988lineadevida.org/"' in html and "Chatee en 988lineadevida.org" in text


def test_incomplete_spanish_answers_are_named_in_spanish(client):
    response = client.post("/es/check/phq-9", data={"q1": "1"})
    assert response.status_code == 400
    text = text_of(response.get_data(as_text=True))
    assert "Por favor, responda todas las preguntas" in text
    assert "Pregunta 2: Elija una respuesta para esta pregunta." in text


@pytest.mark.parametrize("path, spanish", [
    ("/es/check", "Explore sus síntomas"),
    ("/es/therapies/", "Enfoques terapéuticos"),
    ("/es/therapies/cbt", "Enfoque terapéutico · cognitivo-conductuales"),
])
def test_other_spanish_guide_and_check_pages(client, path, spanish):
    assert spanish in text_of(page(client, path))
