"""WTForms classes for the pages, one module per area (search, accounts, listings, ...)."""
from .search import SearchForm

__all__ = ["SearchForm"]
