"""The baseline: a bare Flask app rendering a small template, nothing else."""

from flask import Flask, render_template_string

PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>{% for item in items %}<p>{{ item }}</p>{% endfor %}</body></html>"""

app = Flask(__name__)


@app.get("/")
def index():
    """A page about the size of a short article."""
    return render_template_string(PAGE, title="Baseline", items=[f"Stycke {n}" for n in range(20)])
