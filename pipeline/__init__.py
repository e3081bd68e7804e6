"""Lời Kể: recorded interviews in, reviewed and citable Vietnamese transcripts out.

Library use::

    from pipeline import archive, process_archive
    report = process_archive(archive("/path/to/archive"))
"""

__version__ = "0.1.0"

__all__ = ["archive", "process_archive", "TranscribeOptions", "__version__"]


def __getattr__(name: str):
    # Imported on first use, so `import pipeline` stays cheap for commands that need little.
    if name == "process_archive":
        from pipeline.run.process import process_archive

        return process_archive
    if name == "archive":
        from pipeline.settings import archive

        return archive
    if name == "TranscribeOptions":
        from pipeline.options import TranscribeOptions

        return TranscribeOptions
    raise AttributeError(name)
