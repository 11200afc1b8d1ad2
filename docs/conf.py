"""Sphinx configuration of the Flask-JWT-Kit documentation.

``make docs`` builds it twice, both with ``-W --keep-going``: as HTML and
with the doctest builder, so a warning, a broken cross-reference (nitpicky)
or a failing example stops the build. Nothing here needs the network.
"""

from __future__ import annotations

import doctest
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# The examples are imported by the doctests (and the package may not be installed).
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "src"))

import flask_jwt_kit  # noqa: E402

project = "Flask-JWT-Kit"
author = "Flask-JWT-Kit developers"
copyright = "Flask-JWT-Kit developers"
version = release = flask_jwt_kit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Broken references fail the build (with -W).
nitpicky = True
# Names from other projects: without intersphinx (no network during the
# build) they cannot resolve, so they are not checked. Every name of
# flask_jwt_kit still must resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(flask|werkzeug|jwt|click|blinker|apispec|sqlalchemy|redis|pytest)(\..*)?"),
    (r"py:.*", r"(datetime|os|typing|collections\.abc|enum|json|http|urllib)(\..*)?"),
    (r"py:.*", r"(Flask|Response|Request|FlaskClient|Engine|MetaData|Redis\w*|APISpec|BasePlugin)"),
    (r"py:.*", r"(Any|Callable|Iterable|Iterator|Mapping|TypeVar|NamedTuple|Protocol)"),
    (r"py:.*", r"(bytes|str|int|float|bool|dict|list|tuple|set|frozenset|object|type)"),
    (r"py:.*", r"(None|Exception|RuntimeError|TypeError|ValueError|KeyError|OSError)"),
    (r"py:.*", r"(TimeoutError|UserWarning|PathLike|TypeGuard|C|F|P|R|Location)"),
    (r"py:.*", r"(relativedelta|dateutil\..*|timedelta|Enum|Script)"),
    # Type variables of decorators (the decorated function keeps its type).
    (r"py:class", r"flask_jwt_kit\.[\w.]+\.[A-Z]"),
]

add_module_names = False
python_use_unqualified_type_names = True

# Autodoc: the docstrings are reStructuredText.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_default_options = {"exclude-members": "__init__, __new__"}

# Markdown (the security policy at the repository root is included as is).
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]

# The doctest builder: every ``.. doctest::`` block runs, in a fresh Flask
# application with a JWTManager and an application context.
doctest_global_setup = """
import datetime as dt
from flask import Flask
from flask_jwt_kit import JWTManager

def make_app(**config):
    app = Flask("docs")
    app.config["JWT_SECRET_KEY"] = "a long, random secret: at least 32 bytes for HS256"
    app.config.update(config)
    JWTManager(app)
    return app
"""
doctest_test_doctest_blocks = ""
doctest_default_flags = (
    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.DONT_ACCEPT_TRUE_FOR_1
)

html_theme = "furo"
html_title = f"Flask-JWT-Kit {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
pygments_style = "friendly"
pygments_dark_style = "monokai"
