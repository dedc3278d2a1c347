"""Entrypoints: the CLI (and later the REST API and pages); they only translate."""
