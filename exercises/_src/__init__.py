"""Readable Python sources of the nbgrader assignments; ``exercises/build.py`` writes the .ipynb."""
