"""Every string a visitor reads is marked for translation: template text, flash messages and form labels."""
import ast
from pathlib import Path

import pytest
from template_text import unmarked_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
WEB_MODULES = sorted((ROOT / "referral" / "web").rglob("*.py"))
# Calls whose first argument people read: it must be a marked message, never a bare string.
READ_BY_PEOPLE = {"flash", "ValidationError", "StringField", "TextAreaField", "EmailField", "PasswordField",
                  "BooleanField", "SelectField", "SelectMultipleField", "RadioField", "IntegerField",
                  "DecimalField", "SubmitField", "HiddenField", "URLField", "TelField", "DateField", "FileField",
                  "SearchField", "DataRequired", "InputRequired", "Length", "Email", "NumberRange", "Optional"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_template_text_is_marked(template):
    assert unmarked_text(template.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_unmarked_text_and_passes_marked_text():
    assert unmarked_text('<p>Hello <a href="{{ url }}">there</a></p>') == ["Hello", "there"]
    assert unmarked_text('<img alt="A portrait" src="x">') == ["<img> attribute: 'A portrait'"]
    marked = ('<p>{{ _("Hello") }} {% trans url=u %}Go <a href="{{ url }}">there</a>{% endtrans %}</p>'
              '<img alt="{{ _(\'A portrait\') }}"><p lang="es">Llame al 988</p>{# a note #}<p>NPI 988</p>')
    assert unmarked_text(marked) == []


def _literal_first_arguments(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in READ_BY_PEOPLE:
            continue
        texts = [node.args[0]] if node.args else []
        texts += [keyword.value for keyword in node.keywords if keyword.arg in ("label", "message", "description")]
        for text in texts:
            if isinstance(text, (ast.Constant, ast.JoinedStr)) and (not isinstance(text, ast.Constant)
                                                                   or isinstance(text.value, str) and text.value):
                yield node.lineno, name, ast.unparse(text)


@pytest.mark.parametrize("module", WEB_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_flash_messages_and_form_labels_are_marked(module):
    found = list(_literal_first_arguments(ast.parse(module.read_text(encoding="utf-8"))))
    assert found == [], f"{module.relative_to(ROOT)}: unmarked text at lines {found}"


def test_the_python_check_finds_a_bare_flash_message_and_label():
    source = 'flash("Saved.")\nname = StringField("Your name")\nok = StringField(_l("Your name"))\nflash(_("Saved."))'
    assert [(line, name) for line, name, _text in _literal_first_arguments(ast.parse(source))] == [
        (1, "flash"), (2, "StringField")]
