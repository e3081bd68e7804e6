"""The options of the commands that transcribe, made from their one declaration in ``pipeline.options``.

``@transcription_options("model", "workers")`` adds ``--model`` and ``--workers`` (then ``--cache``) with the
defaults of ``TranscribeOptions``; the command takes them as ``**chosen`` and ``transcribe_options(chosen)``
turns them back into a ``TranscribeOptions``, the fields it does not offer keeping their defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import Field, fields
from typing import Any

import click

from pipeline import settings
from pipeline.i18n import _
from pipeline.options import MAX_LOCAL_WORKERS, Flag, TranscribeOptions

DECLARED: dict[str, Field] = {f.name: f for f in fields(TranscribeOptions) if "cli" in f.metadata}
"""The fields of TranscribeOptions a command can offer, by name."""

CACHE = click.option(
    "--cache",
    envvar=settings.CACHE_ENV,
    type=click.Path(file_okay=False),
    help="Where the assembled model is kept [env LOIKE_CACHE].",
)


def transcription_options(*names: str, cluster: bool = False) -> Callable:
    """Add the options for these fields of TranscribeOptions, in this order, then ``--cache``.

    ``cluster``: the command also has ``--cluster``, and the help says what an option means there."""
    made = [click_option(name, cluster) for name in names] + [CACHE]

    def add(command):
        for option in reversed(made):
            command = option(command)
        return command

    return add


def click_option(name: str, cluster: bool = False) -> Callable:
    """The click option of one field: its type from its default, its help, range and choices from its Flag."""
    if name not in DECLARED:
        raise ValueError(
            f"TranscribeOptions has no field {name!r} with a command-line Flag; there are: {', '.join(DECLARED)}."
        )
    declared = DECLARED[name]
    flag: Flag = declared.metadata["cli"]
    option = "--" + name.replace("_", "-")
    text = (flag.with_cluster if cluster and flag.with_cluster else flag.help) or None
    if isinstance(declared.default, bool):
        return click.option(option, is_flag=True, default=declared.default, help=text)
    if flag.choices:
        kind: click.ParamType | type = click.Choice(flag.choices)
    elif flag.min is not None or flag.max is not None:
        ranged = click.FloatRange if isinstance(declared.default, float) else click.IntRange
        kind = ranged(flag.min, flag.max)
    else:
        kind = type(declared.default)
    return click.option(option, type=kind, default=declared.default, show_default=True, help=text)


def transcribe_options(chosen: Mapping[str, Any], on_cluster: bool | None = None) -> TranscribeOptions:
    """The TranscribeOptions of a command's parsed transcription options; those it does not offer keep their
    defaults. ``on_cluster``: whether ``--cluster`` was given, on a command that has it (None: it has not)."""
    options = TranscribeOptions(**chosen)
    if options.workers > MAX_LOCAL_WORKERS and not on_cluster:
        more = _(" (more go with --cluster)") if on_cluster is not None else ""
        raise click.BadParameter(
            _("at most {count} on one machine{more}.").format(count=MAX_LOCAL_WORKERS, more=more),
            param_hint="--workers",
        )
    return options
