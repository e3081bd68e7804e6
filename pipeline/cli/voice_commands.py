"""Commands for speakers and the voices the archive knows: speaker, voices."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from pipeline.cli.base import Context, cli, interview_id
from pipeline.errors import LoikeError
from pipeline.i18n import _, ngettext


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
        raise click.UsageError(_("Give LABEL with either PERSON or --accept (or neither of them, to list the labels)."))
    try:
        if accept:
            taken = editing.accept_proposal(db, chosen, label)
            person, kept = taken.person_id, True
        else:
            kept = editing.name_speaker(db, chosen, label, person)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        _("{label} in {interview} is now person {person}.").format(label=label, interview=interview, person=person)
    )
    if kept:
        click.echo(_("Their voice print is kept, so later interviews can propose them (`loike voices`)."))


def show_labels(views, interview: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([asdict(v) for v in views], ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo(_("{interview} has no speaker labels yet.").format(interview=interview))
    for v in views:
        who = _("{name} (person {number})").format(name=v.person, number=v.person_id)
        segments = ngettext("{count} segment", "{count} segments", v.segments).format(count=v.segments)
        line = f"{v.label:<6} {segments:>14}  {who if v.person_id else _('not named yet')}"
        if v.proposal:
            line += "  — " + _("maybe {name} (person {number}), {score}").format(
                name=v.proposal.full_name, number=v.proposal.person_id, score=f"{v.proposal.score:.2f}"
            )
        click.echo(line)
    if any(v.proposal for v in views):
        click.echo(_("Accept a proposal with `loike speaker {interview} LABEL --accept`.").format(interview=interview))


@cli.command()
@click.option("--remove", "print_id", type=int, help="Remove this voice print (a number from the list).")
@click.option("--forget", "person", type=int, help="Remove every print of this person and keep none again.")
@click.option(
    "--propose", "again", is_flag=True, help="Propose again in every interview, against the voices known now."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def voices(obj: Context, print_id: int | None, person: int | None, again: bool, as_json: bool) -> None:
    """List the voices the archive knows (person, interviews, prints, last used); remove a print, or forget
    a person's voice. Transcripts and the names already given stay as they are."""
    from pipeline import database

    db = obj.database()
    try:
        with database.writing(db):
            if print_id is not None:
                database.remove_print(db, print_id)
                click.echo(_("Voice print {number} removed; the transcripts are unchanged.").format(number=print_id))
            if person is not None:
                removed = database.forget_voice(db, person)
                click.echo(
                    ngettext(
                        "Person {number}'s voice forgotten ({removed} print removed); none will be kept again.",
                        "Person {number}'s voice forgotten ({removed} prints removed); none will be kept again.",
                        removed,
                    ).format(number=person, removed=removed)
                )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if again:
        from pipeline.speech import voices as matching

        proposed = matching.propose_again(db)
        count = sum(proposed.values())
        click.echo(
            ngettext(
                "{count} speaker label may be someone the archive knows ({codes}).",
                "{count} speaker labels may be people the archive knows ({codes}).",
                count,
            ).format(count=count, codes=", ".join(proposed) or "—")
        )
    known = database.voices(db)
    if as_json:
        click.echo(json.dumps([asdict(v) for v in known], ensure_ascii=False, indent=2))
        return
    if not known:
        click.echo(_("No voices known yet: name a speaker with `loike speaker INTERVIEW LABEL PERSON`."))
    for v in known:
        prints = ngettext("{count} print {numbers}", "{count} prints {numbers}", v.prints).format(
            count=v.prints, numbers=v.print_ids
        )
        heard = _("{seconds} s of speech, from {interviews}").format(
            seconds=f"{v.seconds:.0f}", interviews=", ".join(v.interviews)
        )
        used = ", " + _("last used {date}").format(date=v.last_used[:10]) if v.last_used else ""
        click.echo(f"{v.person_id:>5}  {v.full_name}: {prints}, {heard}{used}")
