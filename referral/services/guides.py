"""The therapy guides: the psychodynamic guide text, split into its sections and references."""
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..i18n import DEFAULT_LANGUAGE, current_language
from .reference import SEED_DIR

GUIDE_DIR = SEED_DIR / "content"
GUIDE_NAME = "psychodynamic-therapy.txt"
GUIDE_FILE = GUIDE_DIR / GUIDE_NAME
# Each language's file sits in a folder named for it (content/es/...); English is the author's original at the top.
# The headings, in each language, in the order the author wrote them; a section is known by its English heading's key.
SECTION_KEYS = (
    "what-it-is",
    "who-needs-it",
    "how-it-works",
    "where-to-go",
    "what-to-expect",
    "what-could-happen",
    "types-of-treatment-options",
)
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "What it is",
        "Who needs it",
        "How it works",
        "Where to go",
        "What to expect",
        "What could happen",
        "Types of Treatment Options",
    ),
    "es": (
        "Qué es",
        "Quién la necesita",
        "Cómo funciona",
        "Adónde acudir",
        "Qué esperar",
        "Qué podría pasar",
        "Tipos de opciones de tratamiento",
    ),
}
CLOSING_SECTION = "types-of-treatment-options"
DEFAULT_TITLES = {"en": "What is Psychodynamic Therapy?", "es": "¿Qué es la terapia psicodinámica?"}
REFERENCE_LINE = re.compile(r"^\s*(\d+)\.\s+(.*)$")


@dataclass
class GuideSection:
    """A heading and its paragraphs."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    key: str = ""  # the English heading as an id, the same in every language

    def __post_init__(self):
        if not self.key:
            self.key = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")

    @property
    def anchor(self) -> str:
        """The section's id in the page (the same in every language, so links to it keep working)."""
        return self.key


@dataclass
class Guide:
    """A guide page: title, sections in order, closing prompt and numbered references."""

    title: str
    sections: list[GuideSection]
    references: list[str]
    closing: list[str]

    def section(self, key: str) -> GuideSection | None:
        """The section with this key (or English heading), if present."""
        wanted = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
        return next((s for s in self.sections if s.key == wanted), None)


def parse_guide(text: str, language: str = DEFAULT_LANGUAGE) -> Guide:
    """Split the guide's plain text into title, sections and references."""
    headings = dict(zip(SECTION_HEADINGS.get(language, SECTION_HEADINGS[DEFAULT_LANGUAGE]), SECTION_KEYS))
    lines = [line.strip() for line in text.splitlines()]
    title = next((line for line in lines if line.endswith("?")), DEFAULT_TITLES.get(language, DEFAULT_TITLES["en"]))
    sections: list[GuideSection] = []
    references: list[str] = []
    closing: list[str] = []
    current: GuideSection | None = None
    started = False
    for line in lines:
        if not line or line == title:
            continue
        reference = REFERENCE_LINE.match(line)
        if reference:
            references.append(reference.group(2).strip())
            continue
        if line in headings:
            current = GuideSection(line, key=headings[line])
            sections.append(current)
            started = True
            continue
        if not started:
            continue  # the page's header line, before the first section
        if current is not None and current.key == CLOSING_SECTION:
            closing.append(line)
        elif current is not None:
            current.paragraphs.append(line)
    return Guide(title, sections, references, closing)


def guide_file(language: str):
    """The guide's file in a language, or the English original where there is no translation."""
    if language != DEFAULT_LANGUAGE:
        translated = GUIDE_DIR / language / GUIDE_NAME
        if translated.is_file():
            return translated
    return GUIDE_FILE


@lru_cache(maxsize=None)
def _load_guide(language: str) -> Guide:
    path = guide_file(language)
    return parse_guide(path.read_text(encoding="utf-8"), language if path != GUIDE_FILE else DEFAULT_LANGUAGE)


def psychodynamic_guide(language: str | None = None) -> Guide:
    """The psychodynamic therapy guide in the page's language (or the one asked for), as its author supplied it."""
    return _load_guide(language or current_language())
