"""Commands for the workshop (hội thảo): dates read from speech, dossiers, questions, conclusions, the timeline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli.base import Context, cli
from pipeline.errors import LoikeError


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--born", type=click.IntRange(1850, 2100), help="The witness's year of birth: years said without "
              "their century and can-chi years are placed in their life.")  # fmt: skip
@click.option("--said", type=click.IntRange(1850, 2100), help="The year it was said in [default: this year].")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--eval", "table", type=click.Path(exists=True, dir_okay=False), help="Score the reader on a table "
              "of phrases (tab-separated: kind, phrase, expected, born, said) instead.")  # fmt: skip
@click.pass_obj
def dates(obj: Context, text, born, said, as_json, table) -> None:
    """Read the dates in TEXT: 'năm bốn lăm', 'hồi Mậu Thân', 'sau Cách mạng tháng Tám'."""
    from pipeline.workshop import dates as reader
    from pipeline.workshop import gazetteer, phrase_set

    if not text and not table:
        raise click.UsageError("Give the TEXT to read, or --eval FILE.")
    try:
        periods = gazetteer.load(obj.archive.root)
        if table:
            scores = phrase_set.evaluate(phrase_set.read_phrases(Path(table)), periods)
            _print_scores(scores)
            sys.exit(0 if all(s.passes for s in scores) else 1)
        scan = reader.scan_dates(" ".join(text), born, said, periods)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        found = {"readings": [r.record() for r in scan.readings], "problems": scan.problems}
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        _print_scan(scan)


def _print_scan(scan) -> None:
    from pipeline.workshop import lifetime, readings

    for reading in scan.readings:
        click.echo(readings.describe(reading))
    for problem in scan.problems:
        click.echo(f"Warning: {problem}")
    if not scan.readings and not scan.problems:
        click.echo("No date found.")
    if any(r.placed and not r.placed.known for r in scan.readings):
        click.echo(
            "No birth year given: years said without their century and can-chi years were placed as for a witness "
            f"born in {lifetime.ASSUMED_BIRTH} (give --born YEAR)."
        )


def _print_scores(scores) -> None:
    from pipeline.workshop import phrase_set

    click.echo(phrase_set.table(scores))
    for miss in [m for s in scores[:-1] for m in s.misses]:
        click.echo(miss)
