"""Is this folder a whole CTranslate2 Whisper model? Its files, their hashes, and the structure of model.bin.

A model carried on a USB stick can lose a file or arrive cut short; loading it would fail an hour into a run, or
worse, half-way through an archive. These checks run when a model is added (``loike models add``) or downloaded,
and read only what they must: ``model.bin``'s headers, not its weights, unless there are hashes to compare.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.i18n import _, ngettext

MANIFEST = "loike-manifest.json"
"""Written beside a model's files by ``loike models download`` and kept with every model in the cache."""
REQUIRED = ("model.bin", "config.json", "tokenizer.json")
VOCABULARIES = ("vocabulary.json", "vocabulary.txt")
"""CTranslate2 writes one or the other (older conversions, such as Systran's small and medium, have the .txt)."""
OPTIONAL = ("preprocessor_config.json",)
"""Only the 128-mel models (large-v3, large-v3-turbo) have it, and faster-whisper needs it for them."""
WHISPER_SPEC = "WhisperSpec"
HEADER = struct.Struct("<I")


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """What a model folder holds and where it came from; ``fingerprint`` names the model in the archive."""

    name: str
    files: list[ModelFile]
    source: str
    """Where it came from: "hub", "folder" (added from a folder), "converted" or "embedded"."""
    repo_id: str | None = None
    revision: str | None = None
    """The hub commit the files were fetched at (a pinned revision: the same files on every machine)."""
    licence: str | None = None
    origin: str | None = None
    """The folder it was added from, or the Transformers model it was converted from."""
    notes: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.files)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "fingerprint": self.fingerprint}, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = [ModelFile(f["name"], int(f["size"]), f["sha256"]) for f in data["files"]]
            data.pop("fingerprint", None)
            return cls(**{**data, "files": files})
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelError(
                _(
                    "{path} cannot be read ({error}): copy the model folder again, or delete {manifest} to add the "
                    "folder without it."
                ).format(path=path, error=error, manifest=MANIFEST)
            ) from error


def fingerprint(files: Iterable[ModelFile]) -> str:
    """The SHA-256 of the model's sha256sum listing (one "HASH  NAME" line per file, by name): the same files give
    the same fingerprint wherever they are."""
    listing = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name))
    return hashlib.sha256(listing.encode()).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def model_files(folder: Path) -> list[str]:
    """The names of the files that make up the model in ``folder`` (those faster-whisper reads), after checking
    that the required ones are there."""
    if not folder.is_dir():
        raise ModelError(
            _(
                "There is no folder {folder}: give the folder that holds model.bin, config.json and tokenizer.json."
            ).format(folder=folder)
        )
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    vocabulary = [name for name in VOCABULARIES if (folder / name).is_file()]
    if not vocabulary:
        missing.append(_(" or ").join(VOCABULARIES))
    if missing:
        raise ModelError(
            ngettext(
                "{folder} is not a whole CTranslate2 Whisper model: {missing} is missing; copy the whole folder again "
                "from where the model came from (a converted model needs the tokenizer.json of the model it was "
                "converted from).",
                "{folder} is not a whole CTranslate2 Whisper model: {missing} are missing; copy the whole folder "
                "again from where the model came from (a converted model needs the tokenizer.json of the model it "
                "was converted from).",
                len(missing),
            ).format(folder=folder, missing=", ".join(missing))
        )
    return [*REQUIRED, *vocabulary, *(name for name in OPTIONAL if (folder / name).is_file())]


def check_structure(folder: Path) -> None:
    """model.bin is a whole CTranslate2 Whisper model and config.json is JSON; raises ModelError in one sentence."""
    problem = model_bin_problem(folder / "model.bin")
    if problem:
        raise ModelError(
            _("{path} {problem}: copy it again from where the model came from (or download it again).").format(
                path=folder / "model.bin", problem=problem
            )
        )
    for name in ("config.json", "tokenizer.json"):
        try:
            json.loads((folder / name).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise ModelError(
                _("{path} is not valid JSON ({error}): copy it again.").format(path=folder / name, error=error)
            ) from error


def model_bin_problem(path: Path) -> str | None:
    """What is wrong with a CTranslate2 ``model.bin``, or None: walks its variables' headers (names, shapes, byte
    counts) and checks that they end exactly where the file does, and that it is a Whisper model."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as model:
            reader = _Reader(model, size)
            version = reader.number()
            if version < 5 or version > 16:
                return _("is not a CTranslate2 model file (format version {version})").format(version=version)
            spec = reader.string()
            if spec != WHISPER_SPEC:
                return _("holds a {spec}, not a Whisper model").format(spec=spec)
            reader.number()  # the spec's revision
            for _variable in range(reader.number()):
                reader.string()
                rank = reader.byte()
                reader.skip(4 * rank + 1)  # the dimensions, the type
                reader.skip(reader.number())
            for _alias in range(reader.number()):
                reader.string()
                reader.string()
            if model.tell() != size:
                return _("has {count:,} bytes after its end").format(count=size - model.tell())
    except _CutShort:
        return _("is cut short ({size:,} bytes: the copy or the download stopped before the end)").format(size=size)
    except UnicodeDecodeError:
        return _("is not a CTranslate2 model file")
    return None


class _CutShort(Exception):
    pass


class _Reader:
    def __init__(self, stream, size: int):
        self.stream, self.size = stream, size

    def read(self, count: int) -> bytes:
        data = self.stream.read(count)
        if len(data) != count:
            raise _CutShort
        return data

    def number(self) -> int:
        return HEADER.unpack(self.read(4))[0]

    def byte(self) -> int:
        return self.read(1)[0]

    def string(self) -> str:
        length = struct.unpack("<H", self.read(2))[0]
        return self.read(length)[:-1].decode("utf-8")

    def skip(self, count: int) -> None:
        if self.stream.tell() + count > self.size:
            raise _CutShort
        self.stream.seek(count, 1)


def check_against(folder: Path, manifest: Manifest, found: list[ModelFile]) -> None:
    """The files read from ``folder`` (``found``: their sizes and SHA-256 as they were read) are those its manifest
    lists; raises ModelError in one sentence naming the first that is not."""
    have = {f.name: f for f in found}
    for listed in manifest.files:
        path, got = folder / listed.name, have.get(listed.name)
        if got is None:
            raise ModelError(
                _("{path} is missing (its manifest lists it): copy the whole model folder again.").format(path=path)
            )
        if got.size != listed.size:
            raise ModelError(
                _(
                    "{path} has {size:,} bytes, not the {listed:,} its manifest lists: the copy is incomplete or "
                    "damaged; copy it again."
                ).format(path=path, size=got.size, listed=listed.size)
            )
        if got.sha256 != listed.sha256:
            raise ModelError(
                _(
                    "{path} does not match the SHA-256 in its manifest: the file is damaged or was changed; copy it "
                    "again from the machine that downloaded it."
                ).format(path=path)
            )
