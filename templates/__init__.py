"""Every word the product says: Jinja2 templates plus gettext catalogues per language."""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent
LOCALE_DIR = TEMPLATE_DIR / "locales"
