"""The ``loike`` command: a thin layer over the library. Only this module prints or exits.

base: the group and shared printing; options: the transcription options, made from pipeline.options;
transcription, catalogue, outputs, care: the commands."""

import pipeline.cli.archive_commands  # noqa: F401  (publish, redact, archive-name)
from pipeline.cli import (  # noqa: F401  (they add their commands to cli)
    catalogue_commands,
    correction_commands,  # noqa: F401  (replace, suggest)
    model_commands,  # the `models` group
    publish_commands,
    safekeeping_commands,
    transcribe_commands,
    voice_commands,
    workshop_commands,
)
from pipeline.cli.base import cli


def main() -> None:
    cli()
