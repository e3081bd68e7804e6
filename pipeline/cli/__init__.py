"""The ``loike`` command: a thin layer over the library. Only this module prints or exits.

base: the group and shared printing; transcription, catalogue, outputs, care: the commands."""

from .base import cli
from . import cataloguing, publishing, safekeeping, transcription  # noqa: F401  (they add their commands to cli)


def main() -> None:
    cli()
