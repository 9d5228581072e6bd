"""Jinja2 templates of the HTML report (installed as the package effnet_inspect.templates)."""
