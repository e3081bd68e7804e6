"""Fetching a model from the Hugging Face hub once, on a machine with internet: into Lời Kể's model cache, or onto a
drive (``--to``) to carry to the laptops that have none.

huggingface_hub (which faster-whisper brings) is imported here only, when a download is asked for. Every file is
fetched at one commit (the catalogue's pinned one, ``--revision``, or the branch's commit when the download starts),
into a hidden folder named after that commit, never into the hub's own cache; a download cut short goes on
from there next time. Each file is checked against the hub's listing (size, and SHA-256 for the large ones, git's
hash for the small), the folder against what makes a CTranslate2 Whisper model, and only then does it take its
name, with a manifest beside the files (``model_checks.MANIFEST``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

from pipeline.errors import DownloadStopped, ModelError
from pipeline.i18n import _
from pipeline.speech import model_catalogue, model_store
from pipeline.speech.model_checks import (
    MANIFEST,
    OPTIONAL,
    REQUIRED,
    VOCABULARIES,
    Manifest,
    ModelFile,
    check_structure,
    sha256_file,
)

log = logging.getLogger(__name__)

WANTED = (*REQUIRED, *VOCABULARIES, *OPTIONAL)
"""The files faster-whisper reads; a repository's others (README, .gitattributes, Transformers weights) are left."""


def hub_endpoint() -> str | None:
    """$HF_ENDPOINT, read when asked (huggingface_hub reads it once, when first imported)."""
    return os.environ.get("HF_ENDPOINT") or None


def download(
    name: str, cache: Path, to: Path | None = None, revision: str | None = None, progress: type | None = None
) -> model_store.LocalModel:
    """Fetch the catalogue model or hub id ``name`` into ``cache`` (or into ``to``/NAME, to carry elsewhere).

    ``progress``: a tqdm class for each file's progress bar (huggingface_hub's own shows only on a terminal)."""
    entry = model_catalogue.entry(name)
    if not entry.repo_id:
        raise ModelError(
            _("{name!r} is the embedded model: it is on every machine Lời Kể is installed on already.").format(
                name=name
            )
        )
    target = model_store.name_for(entry.name)
    root = Path(to).expanduser() if to else cache
    if (root / target / MANIFEST).is_file() and not revision:
        log.info("%s is already in %s", target, root)
        return model_store.describe(str(root / target), cache, target)
    if _offline():
        raise ModelError(not_here(name, "HF_HUB_OFFLINE is set"))
    info = _listing(entry, name, revision)
    prefix = f"{entry.subfolder}/" if entry.subfolder else ""
    listed = {s.rfilename[len(prefix) :]: s for s in info.siblings if s.rfilename.startswith(prefix)}
    names = [n for n in WANTED if n in listed]
    _check_listing(entry, name, names)
    with model_store.staging(root, "downloading", keep_name=f"{target}-{info.sha[:12]}") as building:
        files = [_fetch(entry, prefix + n, info.sha, building, listed[n], progress) for n in names]
        notes = []
        if "tokenizer.json" not in names:
            files.append(_whisper_tokenizer(building, cache))
            notes.append("tokenizer.json: Whisper's multilingual tokenizer (the repository has none; same vocabulary)")
        check_structure(building)
        manifest = Manifest(
            target,
            files,
            "hub",
            entry.repo_id + (f"/{entry.subfolder}" if entry.subfolder else ""),
            info.sha,
            entry.licence or _card_licence(info),
            f"{hub_endpoint() or 'https://huggingface.co'}/{entry.repo_id}",
            notes,
        )
        return model_store.place(building, manifest, root)


def fetch_repository(repo_id: str, into: Path, wanted: tuple[str, ...], progress: type | None = None) -> Path:
    """The files of ``wanted`` that hub repository ``repo_id`` has, at one commit, checked, in ``into``
    (``loike models convert`` fetches a Transformers model this way; safetensors weights rather than pickles)."""
    if _offline():
        raise ModelError(not_here(repo_id, "HF_HUB_OFFLINE is set"))
    entry = model_catalogue.entry(repo_id)
    info = _listing(entry, repo_id, None)
    listed = {s.rfilename: s for s in info.siblings}
    names = [n for n in wanted if n in listed]
    if "model.safetensors" in names and "pytorch_model.bin" in names:
        names.remove("pytorch_model.bin")
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        _fetch(entry, name, info.sha, into, listed[name], progress)
    return into


def not_here(name: str, why: str) -> str:
    """The one sentence for a model that is not on this machine and cannot be fetched from here."""
    return _(
        "The model {name!r} is not on this machine and the hub cannot be reached ({why}): on a machine with internet "
        "run `loike models download {name} --to DRIVE`, bring DRIVE here and run `loike models add DRIVE/{folder}`."
    ).format(name=name, why=why, folder=model_catalogue.entry(name).name)


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _listing(entry: model_catalogue.Entry, name: str, revision: str | None):
    """The repository's files at one commit, with their sizes and hashes."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        return HfApi(endpoint=hub_endpoint()).model_info(
            entry.repo_id, revision=revision or entry.revision, files_metadata=True
        )
    except RevisionNotFoundError as error:
        raise ModelError(
            _("{repo} has no revision {revision!r} on the hub: check --revision.").format(
                repo=entry.repo_id, revision=revision or entry.revision
            )
        ) from error
    except RepositoryNotFoundError as error:
        raise ModelError(
            _(
                "There is no model {repo!r} on the hub (or it is private): check the name; the catalogue has {names}."
            ).format(repo=entry.repo_id, names=", ".join(model_catalogue.CATALOGUE))
        ) from error
    except Exception as error:  # no network, DNS, a proxy: the hub client's own errors are not all OSErrors
        raise ModelError(not_here(name, _reason(error))) from error


def _check_listing(entry: model_catalogue.Entry, name: str, names: list[str]) -> None:
    missing = [n for n in ("model.bin", "config.json") if n not in names]
    if not any(n in names for n in VOCABULARIES):
        missing.append("vocabulary.json")
    if missing:
        where = entry.repo_id + (f"/{entry.subfolder}" if entry.subfolder else "")
        raise ModelError(
            _(
                "{where} on the hub has no {missing}: it is not a CTranslate2 Whisper model; for a Transformers "
                "Whisper model use `loike models convert {name}`."
            ).format(where=where, missing=", ".join(missing), name=name)
        )


def _fetch(
    entry: model_catalogue.Entry, filename: str, commit: str, building: Path, listed, progress: type | None
) -> ModelFile:
    """One file into ``building``, checked against the listing. It arrives as NAME.part, which a later try goes on
    from (huggingface_hub resumes within one call, after a network error, but drops what it had when the call
    fails); only a whole file takes its name."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    name = Path(filename).name
    final, part = building / name, building / f"{name}.part"
    if not final.is_file():
        have = part.stat().st_size if part.is_file() else 0
        if listed.size is not None and have > listed.size:
            part.unlink()
            have = 0
        url = hf_hub_url(entry.repo_id, filename, revision=commit, endpoint=hub_endpoint())
        try:
            with open(part, "ab") as sink:
                http_get(
                    url,
                    sink,
                    resume_size=have,
                    headers=build_hf_headers(),
                    expected_size=listed.size,
                    displayed_filename=name,
                    tqdm_class=progress,
                )
        except Exception as error:  # the network went (Ctrl-C, a BaseException, keeps the part too)
            raise DownloadStopped(
                _(
                    "The download of {repo} stopped at {file} ({why}): run the same command again to go on from where "
                    "it stopped."
                ).format(repo=entry.repo_id, file=name, why=_reason(error))
            ) from error
        os.replace(part, final)
    return _verified(final, listed, entry.repo_id)


def _verified(path: Path, listed, repo_id: str) -> ModelFile:
    size = path.stat().st_size
    digest = sha256_file(path)
    if listed.lfs is not None:
        expected, found = listed.lfs.sha256, digest
    else:
        expected, found = listed.blob_id, _git_blob_id(path)
    if (listed.size is not None and size != listed.size) or (expected and found != expected):
        raise ModelError(
            _(
                "{file} from {repo} does not match the hub's listing (size or hash): it was damaged on the way or "
                "changed on the hub; nothing was added: run the download again."
            ).format(file=path.name, repo=repo_id)
        )
    return ModelFile(path.name, size, digest)


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _whisper_tokenizer(building: Path, cache: Path) -> ModelFile:
    """Whisper's multilingual tokenizer (the embedded base's), for a conversion that left it out (several PhoWhisper
    conversions on the hub have only vocabulary.json): only when the model's vocabulary is the same."""
    base = model_store.embedded_model(cache)
    vocabulary = building / "vocabulary.json"
    same = vocabulary.is_file() and json.loads(vocabulary.read_text(encoding="utf-8")) == json.loads(
        (base / "vocabulary.json").read_text(encoding="utf-8")
    )
    if not same:
        raise ModelError(
            _(
                "The model on the hub has no tokenizer.json and its vocabulary is not Whisper's multilingual one: "
                "convert it from its Transformers model with `loike models convert`, which writes the tokenizer."
            )
        )
    shutil.copyfile(base / "tokenizer.json", building / "tokenizer.json")
    copied = building / "tokenizer.json"
    return ModelFile(copied.name, copied.stat().st_size, sha256_file(copied))


def _card_licence(info) -> str | None:
    card = getattr(info, "card_data", None)
    return getattr(card, "license", None) if card else None


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
