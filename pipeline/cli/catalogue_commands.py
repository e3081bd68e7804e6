"""Commands for metadata and the catalogue: new, search, reindex, people, places, events, tag."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from pipeline.cli.base import Context, cli, clock, highlighted, interview_id
from pipeline.errors import LoikeError
from pipeline.i18n import N_, _, ngettext


@cli.command()
@click.argument("recording", type=click.Path(exists=True, dir_okay=False))
def new(recording: str) -> None:
    """Write a metadata template (NAME.yaml) beside RECORDING, to fill in."""
    from pipeline.catalogue import metadata

    try:
        written = metadata.write_sidecar(Path(recording))
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Wrote {written}: fill it in, then run `loike run`.").format(written=written))


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--person", help="Only passages by or tagged with this person (name or number).")
@click.option("--event", help="Only passages about this event.")
@click.option("--place", help="Only passages tagged with this place, or from interviews held there.")
@click.option("--commune", help="Only interviews from this commune or ward.")
@click.option("--from", "date_from", help="Interviews on or after this date (dd/mm/yyyy).")
@click.option("--to", "date_to", help="Interviews on or before this date (dd/mm/yyyy).")
@click.option("--reviewed", is_flag=True, help="Only passages an editor has verified.")
@click.option("--exact", is_flag=True, help="Match tones and marks exactly (or put words in double quotes).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def search(
    obj: Context, query, person, event, place, commune, date_from, date_to, reviewed, exact, limit, as_json
) -> None:
    """Find interviews, index points and passages: 'dang bo bac cuong' finds "Đảng bộ Bắc Cường"."""
    from pipeline.catalogue import search as searching

    filters = searching.SearchFilters(
        person=person,
        event=event,
        place=place,
        commune=commune,
        date_from=date_from,
        date_to=date_to,
        reviewed_only=reviewed,
        limit=limit,
    )
    try:
        hits = searching.search(obj.database(), " ".join(query), filters, exact=exact)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(_("No passage matches."))
    for hit in hits:
        where = f"{hit.interview_code} {clock(hit.start)}" if hit.start is not None else hit.interview_code
        who = f" {hit.speaker}:" if hit.speaker else ""
        mark = "" if hit.publishable else f" [{not_publishable(hit.consent_status, hit.consent_until)}]"
        mark = f" [{_('index point')}]{mark}" if hit.kind == "index_point" else mark
        click.echo(f"{where}{mark}{who} {highlighted(hit.snippet)}")


def not_publishable(status: str | None, until: str | None) -> str:
    """Why a hit may not be published, as the exports say it: unknown consent, restricted, or an embargo."""
    from pipeline.text import date_vn

    if status == "embargoed" and until:
        return _("not for publication: embargoed until {date}").format(date=date_vn(until))
    return _(NOT_PUBLISHABLE.get(status or "unknown", NOT_PUBLISHABLE["unknown"]))


NOT_PUBLISHABLE = {
    "unknown": N_("not for publication: consent unknown"),
    "restricted": N_("not for publication: restricted"),
    "embargoed": N_("not for publication: embargoed"),
}


@cli.command()
@click.pass_obj
def reindex(obj: Context) -> None:
    """Rebuild the search index from the stored text."""
    from pipeline import database

    count = database.reindex(obj.database())
    click.echo(_("Search index rebuilt: {count} passages.").format(count=count))


@cli.group(invoke_without_command=True)
@click.pass_context
def people(ctx: click.Context) -> None:
    """List the people named in the metadata (merge duplicates with `loike people merge`)."""
    if ctx.invoked_subcommand:
        return
    from pipeline import database

    for person in database.people(ctx.obj.database()):
        born = f" ({person.birth_year})" if person.birth_year else ""
        same = ", ".join(map(str, person.maybe_same_as))
        maybe = "  " + _("maybe the same as {people}").format(people=same) if person.maybe_same_as else ""
        click.echo(
            f"{person.id:>5}  {person.name}{born}  "
            + ngettext("{count} interview", "{count} interviews", person.interviews).format(count=person.interviews)
            + maybe
        )


@people.command("merge")
@click.argument("keep", type=int)
@click.argument("other", type=int)
@click.pass_obj
def people_merge(obj: Context, keep: int, other: int) -> None:
    """Merge person OTHER into person KEEP (numbers from `loike people`)."""
    from pipeline import database

    try:
        database.merge_people(obj.database(), keep, other)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Merged person {other} into {keep}.").format(other=other, keep=keep))


@cli.command("places")
@click.option("--former-name", nargs=2, metavar="PLACE NAME", help="Record an old name of place PLACE.")
@click.pass_obj
def places_command(obj: Context, former_name) -> None:
    """List the places named in the metadata; --former-name adds an old name (communes were merged)."""
    from pipeline import database

    db = obj.database()
    if former_name:
        try:
            database.add_former_name(db, int(former_name[0]), former_name[1])
        except (LoikeError, ValueError) as error:
            raise click.ClickException(str(error)) from error
    for place in database.places(db):
        where = f", {place.parent}" if place.parent else ""
        old = (
            "  (" + _("formerly: {names}").format(names="; ".join(place.former_names)) + ")"
            if place.former_names
            else ""
        )
        kind = _(PLACE_KINDS[place.kind]) if place.kind in PLACE_KINDS else place.kind
        click.echo(f"{place.id:>5}  {place.name}{where}  [{kind}]{old}")


@cli.command("events")
@click.option("--describe", "event", type=int, help="The event to describe (its number).")
@click.option("--date", "start", help="Its date, or the start of its period (dd/mm/yyyy or yyyy).")
@click.option("--until", "end", help="The end of its period (dd/mm/yyyy or yyyy).")
@click.option("--place", type=int, help="Where it happened (a number from `loike places`).")
@click.option("--alias", help="Another name people use for it.")
@click.pass_obj
def events_command(obj: Context, event, start, end, place, alias) -> None:
    """List the events named in the metadata; --describe N adds a date, period, place or other name."""
    from pipeline import database
    from pipeline.catalogue import metadata

    db = obj.database()
    if event is not None:
        try:
            first, last = (metadata.parse_date(d, year_ok=True) if d else None for d in (start, end))
            database.describe_event(db, event, first, last, place=place, alias=alias)
        except ValueError as error:
            raise click.ClickException(
                _("{error}: write dates as dd/mm/yyyy or as a year.").format(error=error)
            ) from error
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    for event in database.events(db):
        period = " – ".join(d for d in (event.date_start, event.date_end) if d)
        extra = "".join(f"  {x}" for x in (period, event.place or "", "; ".join(event.aliases)) if x)
        click.echo(f"{event.id:>5}  {event.name}{extra}")


@cli.command()
@click.argument("interview")
@click.argument("line", type=click.IntRange(1))
@click.option("--person", type=int, help="Number of the person (from `loike people`).")
@click.option("--place", type=int, help="Number of the place (from its page).")
@click.option("--event", type=int, help="Number of the event (from its page).")
@click.pass_obj
def tag(obj: Context, interview: str, line: int, person, place, event) -> None:
    """Tag passage LINE of INTERVIEW (the number in the sheet's margin) with a person, place or event."""
    from pipeline import database

    chosen = {k: v for k, v in (("person", person), ("place", place), ("event", event)) if v is not None}
    if len(chosen) != 1:
        raise click.UsageError(_("Give exactly one of --person, --place or --event."))
    db = obj.database()
    found = database.segment_at(db, interview_id(db, interview), line - 1)
    if found is None:
        raise click.ClickException(
            _("{interview} has no line {line}: the review sheet numbers its lines.").format(
                interview=interview, line=line
            )
        )
    [(kind, target)] = chosen.items()
    try:
        database.tag_segment(db, found.id, kind, target)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_(TAGGED[kind]).format(line=line, interview=interview, target=target))


TAGGED = {
    "person": N_("Line {line} of {interview} tagged with person {target}."),
    "place": N_("Line {line} of {interview} tagged with place {target}."),
    "event": N_("Line {line} of {interview} tagged with event {target}."),
}
"""What `loike tag` says, by what was tagged: one sentence each, for the translators."""

PLACE_KINDS = {"province": N_("province"), "district": N_("district"), "commune": N_("commune")}
"""The kind of a place as `loike places` shows it."""
