"""The WSGI entry point: ``gunicorn wsgi:app``."""

from joans import create_app

app = create_app()
