"""Blueprints that render pages."""
from .guides import bp as guides_bp
from .main import bp as main_bp
from .providers import bp as providers_bp
from .search import bp as search_bp

__all__ = ["guides_bp", "main_bp", "providers_bp", "search_bp"]
