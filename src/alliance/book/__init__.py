"""Sphinx-side support for the book: static assets, review questions and other directives."""
