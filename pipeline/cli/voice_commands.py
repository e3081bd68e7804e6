"""Commands for speakers and the voices the archive knows: speaker, voices."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from pipeline.cli.base import Context, cli, interview_id
from pipeline.errors import LoikeError


@cli.command()
@click.argument("interview")
@click.argument("label", required=False)
@click.argument("person", type=int, required=False)
@click.option("--accept", is_flag=True, help="Name LABEL as the person its voice was proposed as.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (the list of labels).")
@click.pass_obj
def speaker(obj: Context, interview: str, label: str | None, person: int | None, accept: bool, as_json: bool) -> None:
    """List INTERVIEW's speaker labels, who each is and who each may be; with LABEL PERSON, say that LABEL is
    PERSON (a number from `loike people`); with LABEL --accept, accept the proposal for LABEL."""
    from pipeline import database
    from pipeline.desk import editing

    db = obj.database()
    chosen = interview_id(db, interview)
    if label is None:
        return show_labels(database.speaker_overview(db, chosen), interview, as_json)
    if (person is None) == (not accept):
        raise click.UsageError("Give LABEL with either PERSON or --accept (or neither of them, to list the labels).")
    try:
        if accept:
            taken = editing.accept_proposal(db, chosen, label)
            person, kept = taken.person_id, True
        else:
            kept = editing.name_speaker(db, chosen, label, person)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{label} in {interview} is now person {person}.")
    if kept:
        click.echo("Their voice print is kept, so later interviews can propose them (`loike voices`).")


def show_labels(views, interview: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([asdict(v) for v in views], ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo(f"{interview} has no speaker labels yet.")
    for v in views:
        who = f"{v.person} (person {v.person_id})" if v.person_id else "not named yet"
        line = f"{v.label:<6} {v.segments:>5} segments  {who}"
        if v.proposal:
            line += f"  — maybe {v.proposal.full_name} (person {v.proposal.person_id}), {v.proposal.score:.2f}"
        click.echo(line)
    if any(v.proposal for v in views):
        click.echo(f"Accept a proposal with `loike speaker {interview} LABEL --accept`.")


@cli.command()
@click.option("--remove", "print_id", type=int, help="Remove this voice print (a number from the list).")
@click.option("--forget", "person", type=int, help="Remove every print of this person and keep none again.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def voices(obj: Context, print_id: int | None, person: int | None, as_json: bool) -> None:
    """List the voices the archive knows (person, interviews, prints, last used); remove a print, or forget
    a person's voice. Transcripts and the names already given stay as they are."""
    from pipeline import database

    db = obj.database()
    try:
        with database.writing(db):
            if print_id is not None:
                database.remove_print(db, print_id)
                click.echo(f"Voice print {print_id} removed; the transcripts are unchanged.")
            if person is not None:
                removed = database.forget_voice(db, person)
                click.echo(f"Person {person}'s voice forgotten ({removed} print(s) removed); none will be kept again.")
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    known = database.voices(db)
    if as_json:
        click.echo(json.dumps([asdict(v) for v in known], ensure_ascii=False, indent=2))
        return
    if not known:
        click.echo("No voices known yet: name a speaker with `loike speaker INTERVIEW LABEL PERSON`.")
    for v in known:
        used = f", last used {v.last_used[:10]}" if v.last_used else ""
        click.echo(
            f"{v.person_id:>5}  {v.full_name}: {v.prints} print(s) {v.print_ids}, {v.seconds:.0f} s of speech, "
            f"from {', '.join(v.interviews)}{used}"
        )
