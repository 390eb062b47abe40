"""The therapy guides: the psychodynamic guide text, split into its sections and references."""
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .reference import SEED_DIR

GUIDE_FILE = SEED_DIR / "content" / "psychodynamic-therapy.txt"
SECTION_HEADINGS = (
    "What it is",
    "Who needs it",
    "How it works",
    "Where to go",
    "What to expect",
    "What could happen",
    "Types of Treatment Options",
)
REFERENCE_LINE = re.compile(r"^\s*(\d+)\.\s+(.*)$")


@dataclass
class GuideSection:
    """A heading and its paragraphs."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The section's id in the page."""
        return re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")


@dataclass
class Guide:
    """A guide page: title, sections in order, closing prompt and numbered references."""

    title: str
    sections: list[GuideSection]
    references: list[str]
    closing: list[str]

    def section(self, heading: str) -> GuideSection | None:
        """The section with this heading, if present."""
        return next((s for s in self.sections if s.heading == heading), None)


def parse_guide(text: str) -> Guide:
    """Split the guide's plain text into title, sections and references."""
    lines = [line.strip() for line in text.splitlines()]
    title = next((line for line in lines if line.endswith("?")), "What is Psychodynamic Therapy?")
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
        if line in SECTION_HEADINGS:
            current = GuideSection(line)
            sections.append(current)
            started = True
            continue
        if not started:
            continue  # the page's header line, before the first section
        if current is not None and current.heading == "Types of Treatment Options":
            closing.append(line)
        elif current is not None:
            current.paragraphs.append(line)
    return Guide(title, sections, references, closing)


@lru_cache(maxsize=1)
def psychodynamic_guide() -> Guide:
    """The psychodynamic therapy guide, as its author supplied it."""
    return parse_guide(GUIDE_FILE.read_text(encoding="utf-8"))
