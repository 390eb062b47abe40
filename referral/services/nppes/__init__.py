"""Importing the NPPES registry (bulk CSV, its .zip, or NPI Registry API JSON) as unclaimed listings."""
from .columns import MissingColumns
from .importer import ImportStats, NppesImport, import_nppes, summary_line
from .report import RejectReport

__all__ = ["ImportStats", "MissingColumns", "NppesImport", "RejectReport", "import_nppes", "summary_line"]
