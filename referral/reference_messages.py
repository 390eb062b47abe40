"""A Babel extractor for the reference lists: their names and descriptions are translated like any page text."""
import csv
import io

# Columns people read. Slugs, codes and the registry's own wording (NUCC, ICD-10-CM) stay as published.
TRANSLATED_COLUMNS = ("name", "plural_name", "description", "summary")
UNTRANSLATED_FILES = ("nucc_", "insurance_plans")


def extract_reference_csv(fileobj, keywords, comment_tags, options):
    """Yield (line, funcname, message, comments) for each translated cell of a reference CSV."""
    name = getattr(fileobj, "name", "")
    if any(part in str(name) for part in UNTRANSLATED_FILES):
        return
    reader = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8"))
    seen = set()
    for line, row in enumerate(reader, start=2):
        for column in TRANSLATED_COLUMNS:
            text = (row.get(column) or "").strip()
            if text and text not in seen:
                seen.add(text)
                yield line, "gettext", text, [f"reference list: {column}"]
