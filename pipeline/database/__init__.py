"""The data layer: the archive's SQLite database, its migrations, and every SQL statement of the project.

Everything above it calls the functions re-exported here (``database.open_database(path)``,
``database.interviews(db)``, ``database.save_transcript(...)``) and gets back the records of ``models``; nothing
outside this package runs SQL (``tests/test_architecture.py`` checks it).

connection: opening, transactions, network shares; backup; migrations: the schema; models: the records
handed out (heard, metadata_records and review_records: those handed in, and the desk's); recordings: taking
recordings in and their log; transcripts: segments and words, stored and read (kept_edits: what a new transcription
keeps); interviews: the list and one interview; interview_metadata: applying an interview's metadata; subjects: people,
places and events; subject_passages: what their pages list; subject_names: people, events and places by name.
Search: search_index (both full-text indexes) and manuscript_quotes (the quotes a manuscript export reads), with
search_records. The editors' desk: review (segments as the
desk reads and changes them, their tags, speaker labels and later machine text), revisions (the append-only history
of every change) and quotes_kept (the passages editors keep for the book).
"""

from pipeline.database.backup import backup
from pipeline.database.connection import (
    Database, connect, damage, damaged, is_damage, network_filesystem, now, open_database, warn_if_network,
    writing,
)
from pipeline.database.interviews import interview, interview_for, interviews
from pipeline.database.manuscript_quotes import (
    dated_events, interview_numbered, interviews_held_in, manuscript_quotes,
)
from pipeline.database.interview_metadata import Applied, apply_metadata, narrowed_consent, search_text
from pipeline.database.migrations import migrations
from pipeline.database.recordings import (
    add_recording, all_recordings, count_waiting_for_metadata, file_names, file_seen, files_taken, interview_id_of,
    interview_paths, known_file, log_event,
    record_normalised, record_probe, record_problem, recording_by_hash, recording_log, recording_of,
    recording_with_path, recordings_to_process, recordings_to_rebuild, remember_file, update_recording,
)
from pipeline.database.quotes_kept import add_quote, delete_quote, interview_quotes, quote
from pipeline.database.review import (
    alternatives, interview_people, interview_tags, move_attachments, remove_segment, segment, segment_at,
    segment_tags, segment_words, segments_between, speaker_labels, speaker_names, split_segment, subject_exists,
    unmap_speaker, untag_segment, update_segment,
)
from pipeline.database.revisions import add_revision, last_edits, segment_history, snapshot
from pipeline.database.search_index import interviews_found_by_metadata, passages_found, reindex
from pipeline.database.subject_names import events_named, people_named, places_named
from pipeline.database.subject_passages import PASSAGES_PER_INTERVIEW, subjects
from pipeline.database.subjects import (
    ROLES, add_former_name, describe_event, domain_words, event_id, events, interview_events, interview_places,
    interview_roles, map_speaker, merge_people, people, people_in_role, person, person_id, person_names, place_id,
    place_path, places, speaker_people, suggest_speakers, tag_segment,
)
from pipeline.database.transcripts import (
    SheetSegments, last_run, save_transcript, segments, sheet_segments, transcript_counts,
)

__all__ = [
    "add_former_name", "add_quote", "add_recording", "add_revision", "all_recordings", "alternatives", "Applied",
    "apply_metadata", "backup", "connect", "count_waiting_for_metadata", "damage", "damaged", "Database",
    "dated_events", "delete_quote", "describe_event", "domain_words", "event_id", "events", "events_named",
    "file_names", "file_seen", "files_taken", "interview", "interview_events", "interview_for", "interview_id_of",
    "interview_numbered", "interview_paths", "interview_people", "interview_places", "interview_quotes",
    "interview_roles", "interview_tags", "interviews", "interviews_found_by_metadata", "interviews_held_in",
    "is_damage", "known_file", "last_edits", "last_run", "log_event", "manuscript_quotes", "map_speaker",
    "merge_people", "migrations", "move_attachments", "narrowed_consent", "network_filesystem", "now",
    "open_database", "passages_found", "PASSAGES_PER_INTERVIEW", "people", "people_in_role", "people_named",
    "person", "person_id", "person_names", "place_id", "place_path", "places", "places_named", "quote",
    "record_normalised", "record_probe", "record_problem", "recording_by_hash", "recording_log", "recording_of",
    "recording_with_path", "recordings_to_process", "recordings_to_rebuild", "reindex", "remember_file",
    "remove_segment", "ROLES", "save_transcript", "search_text", "segment", "segment_at", "segment_history",
    "segment_tags", "segment_words", "segments", "segments_between", "sheet_segments", "SheetSegments", "snapshot",
    "speaker_labels", "speaker_names", "speaker_people", "split_segment", "subject_exists", "subjects",
    "suggest_speakers", "tag_segment", "transcript_counts", "unmap_speaker", "untag_segment", "update_recording",
    "update_segment", "warn_if_network", "writing",
]
