"""The models a team can fetch once and carry to its laptops: where each is on the hub, its licence, and what it is
published to score on Vietnamese (docs/models.md has the sources and what each costs on a 2-core laptop).

A catalogue name (``loike models download large-v3``) stands for a hub repository (and, where a repository holds
several models, a folder in it); any other hub id works too (``loike models download owner/repo``, or
``owner/repo/folder``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """Word error rates published for a model on Vietnamese test sets, in %, and where."""

    common_voice: float | None = None
    vivos: float | None = None
    fleurs: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Entry:
    name: str
    repo_id: str
    """The hub repository of its CTranslate2 conversion ('' for the embedded base, which comes from PyPI)."""
    licence: str
    parameters: str
    shape: str
    """The Whisper size whose shape (and so speed and memory) it has."""
    revision: str | None = None
    """A commit to fetch, pinned where its full hash is known; otherwise the branch's commit at download time is
    fetched (every file at that one commit) and written in the manifest."""
    subfolder: str = ""
    accuracy: Published = Published()
    converted_from: str = ""
    """The Transformers model it is a conversion of (``loike models convert`` makes the same from it)."""


PHOWHISPER = "VinAI's PhoWhisper README (github.com/VinAIResearch/PhoWhisper), WER % on CMV-Vi and VIVOS"

CATALOGUE: dict[str, Entry] = {
    entry.name: entry
    for entry in (
        Entry("base", "", "MIT", "74 M", "base", converted_from="openai/whisper-base"),
        Entry(
            "small",
            "Systran/faster-whisper-small",
            "MIT",
            "244 M",
            "small",
            revision="536b0662742c02347bc0e980a01041f333bce120",
            converted_from="openai/whisper-small",
        ),
        Entry(
            "medium",
            "Systran/faster-whisper-medium",
            "MIT",
            "769 M",
            "medium",
            revision="08e178d48790749d25932bbc082711ddcfdfbc4f",
            converted_from="openai/whisper-medium",
        ),
        Entry(
            "large-v3",
            "Systran/faster-whisper-large-v3",
            "MIT",
            "1550 M",
            "large-v3",
            revision="edaa852ec7e145841d8ffdb056a99866b5f0a478",
            accuracy=Published(fleurs=8.5, source="the issue's figure for FLEURS vi (about 8-9 %), not checked here"),
            converted_from="openai/whisper-large-v3",
        ),
        Entry(
            "large-v3-turbo",
            "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
            "MIT",
            "809 M",
            "large-v3-turbo",
            converted_from="openai/whisper-large-v3-turbo",
        ),
        Entry(
            "phowhisper-small",
            "vudang449/PhoWhisper-small-ct2",
            "Apache-2.0 (vinai/PhoWhisper-small's card)",
            "244 M",
            "small",
            accuracy=Published(11.08, 6.33, source=PHOWHISPER),
            converted_from="vinai/PhoWhisper-small",
        ),
        Entry(
            "phowhisper-large",
            "kiendt/PhoWhisper-large-ct2",
            "BSD-3-Clause (vinai/PhoWhisper-large's card; the conversion's card says MIT)",
            "1550 M",
            "large-v2",
            accuracy=Published(8.14, 4.67, source=PHOWHISPER),
            converted_from="vinai/PhoWhisper-large",
        ),
    )
}
ALIASES = {"large": "large-v3", "turbo": "large-v3-turbo"}

HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+(/[\w.-]+)*")


def is_hub_id(name: str) -> bool:
    """``owner/repo`` (or ``owner/repo/folder``) and not a path on this machine: ./x/y, /x/y, C:\\x and ~/x are
    paths."""
    return bool(HUB_ID.fullmatch(name)) and not name.startswith((".", "~"))


def entry(name: str) -> Entry:
    """The catalogue entry for ``name``, or an entry made up for a hub id (its licence unknown until read)."""
    name = ALIASES.get(name, name)
    if name in CATALOGUE:
        return CATALOGUE[name]
    owner, repo, *folder = name.split("/")
    return Entry((folder or [repo])[-1].lower(), f"{owner}/{repo}", "", "", "", subfolder="/".join(folder))
