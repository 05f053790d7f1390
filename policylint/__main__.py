"""``python -m policylint``: the same as the ``policylint`` command."""

from policylint.cli import app

app(prog_name="policylint")
