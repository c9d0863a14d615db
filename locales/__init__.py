"""Translation catalogs (gettext .po files); Indonesian is the source language."""
