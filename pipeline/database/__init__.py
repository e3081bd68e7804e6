"""The data layer: the archive's SQLite database, its migrations, and every SQL statement of the project.

Everything above it calls the functions re-exported here (``database.open_database(path)``,
``database.interviews(db)``, ``database.save_transcript(...)``) and gets back the records of ``models``; nothing
outside this package runs SQL (``tests/test_architecture.py`` checks it).

connection: opening, transactions, network shares; migrations: the schema; models: the records; recordings: taking
recordings in and their log; transcripts: segments and words, stored and read (kept_edits: what a new transcription
keeps); interviews: the list and one interview; metadata: applying an interview's metadata; subjects: people,
places, events and tags; subject_passages: what their pages list. The editors' desk: review (segments as the
desk reads and changes them, their tags, speaker labels and later machine text), revisions (the append-only history
of every change) and quotes_kept (the passages editors keep for the book).
"""

from pipeline.database.connection import connect, network_filesystem, now, open_database, rows, warn_if_network, writing
from pipeline.database.interviews import interview, interviews
from pipeline.database.metadata import Applied, apply_metadata, narrowed_consent, search_text
from pipeline.database.migrations import migrations
from pipeline.database.recordings import (
    add_recording, count_waiting_for_metadata, file_row, interview_for, interview_paths, known_file, log_event,
    record_normalised, record_probe, record_problem, recording_by_hash, recording_log, recording_of,
    recording_with_path, recordings_to_process, remember_file, update_recording,
)
from pipeline.database.quotes_kept import add_quote, delete_quote, interview_quotes, quote
from pipeline.database.review import (
    alternatives, interview_people, interview_tags, move_attachments, remove_segment, segment, segment_at,
    segment_tags, segment_words, segments_between, speaker_labels, speaker_names, split_segment, subject_exists,
    unmap_speaker, untag_segment, update_segment,
)
from pipeline.database.revisions import add_revision, last_edits, segment_history, snapshot
from pipeline.database.subject_passages import PASSAGES_PER_INTERVIEW, subjects
from pipeline.database.subjects import (
    ROLES, add_former_name, describe_event, domain_words, event_id, events, interview_roles, map_speaker,
    merge_people, people, person_id, place_id, place_path, places, suggest_speakers, tag_segment,
)
from pipeline.database.transcripts import (
    SheetSegments, last_run, save_transcript, segments, sheet_segments, transcript_counts,
)

__all__ = [
    "Applied", "PASSAGES_PER_INTERVIEW", "ROLES", "SheetSegments", "add_former_name", "add_recording", "apply_metadata",
    "connect", "count_waiting_for_metadata", "describe_event", "domain_words", "event_id", "events", "file_row",
    "interview", "interview_for", "interview_paths", "interview_roles", "interviews", "known_file", "last_run",
    "log_event", "map_speaker", "merge_people", "migrations", "narrowed_consent", "network_filesystem", "now",
    "open_database", "people", "person_id", "place_id", "place_path", "places", "record_normalised",
    "record_probe", "record_problem", "recording_by_hash", "recording_log", "recording_of", "recording_with_path",
    "recordings_to_process", "remember_file", "save_transcript", "search_text", "segments", "sheet_segments",
    "subjects", "suggest_speakers", "tag_segment", "transcript_counts", "update_recording", "warn_if_network",
    "writing", "rows",
    # the editors' desk
    "add_quote", "add_revision", "alternatives", "delete_quote", "interview_people", "interview_quotes",
    "interview_tags", "last_edits", "move_attachments", "quote", "remove_segment", "segment", "segment_at",
    "segment_history", "segment_tags", "segment_words", "segments_between", "snapshot", "speaker_labels",
    "speaker_names", "split_segment", "subject_exists", "unmap_speaker", "untag_segment", "update_segment",
]
