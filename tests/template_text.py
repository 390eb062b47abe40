"""Text in a template that a visitor reads but no translation can reach: literal words outside {% trans %} and _().

Jinja expressions and tags are taken out of the source, {% trans %} blocks and comments removed, and what is left
parsed as HTML. Text nodes and the attributes people read (alt, title, aria-label, placeholder, a description's
content, a button's value) must then hold no words. Elements with a lang attribute hold text meant in that
language alone (the 988 line in Spanish on English pages, say) and are skipped, as are scripts and styles.
"""
import re
from html.parser import HTMLParser

COMMENT = re.compile(r"{#.*?#}", re.S)
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
EXPRESSION = re.compile(r"{{.*?}}", re.S)
STATEMENT = re.compile(r"{%.*?%}", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that are the same in every language we serve: names of standards, codes and the like.
SAME_IN_EVERY_LANGUAGE = frozenset({
    "NPI", "NPPES", "NUCC", "FHIR", "HSDS", "HL7", "OpenAPI", "JSON", "CSV", "PDF", "API", "PHQ", "GAD", "ICD", "CM",
    "ZIP", "UTC", "MD", "DO", "PhD", "PsyD", "LCSW", "LPC", "LMFT", "PMHNP", "TOTP", "WCAG", "mi", "OK", "vs",
})
READABLE_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                           "track", "wbr"})
URL_OR_ADDRESS = re.compile(r"\S+@\S+|\S+\.(org|com|gov|net|edu)\S*|https?://\S+")


def untranslatable_words(text: str) -> list[str]:
    """The words in a piece of template text that are not the same in every language."""
    text = URL_OR_ADDRESS.sub(" ", text)
    return [word for word in WORD.findall(text) if word not in SAME_IN_EVERY_LANGUAGE]


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _fixed_language(self) -> bool:
        return any(fixed for _tag, fixed in self.stack)

    def _skipped(self) -> bool:
        return self._fixed_language() or any(tag in ("script", "style") for tag, _fixed in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        fixed = "lang" in attributes
        if not (self._fixed_language() or fixed):
            readable = [attributes.get(name) or "" for name in READABLE_ATTRIBUTES]
            if tag == "meta" and attributes.get("name") == "description":
                readable.append(attributes.get("content") or "")
            if tag in ("input", "button") and attributes.get("type") in ("submit", "button", "reset"):
                readable.append(attributes.get("value") or "")
            for value in readable:
                if untranslatable_words(value):
                    self.found.append(f"<{tag}> attribute: {value.strip()!r}")
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, fixed))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._skipped() and untranslatable_words(data):
            self.found.append(" ".join(data.split()))


def unmarked_text(source: str) -> list[str]:
    """Each piece of visible text or readable attribute in a template's source that is not marked for translation."""
    source = COMMENT.sub("", source)
    source = TRANS_BLOCK.sub(" ", source)
    source = EXPRESSION.sub(" ", source)
    source = STATEMENT.sub(" ", source)
    finder = _TextFinder()
    finder.feed(source)
    finder.close()
    return finder.found
