"""The data layer: the archive's SQLite database, its migrations, and every SQL statement of the project.

Everything above it calls the functions re-exported here (``database.open_database(path)``,
``database.interviews(db)``, ``database.save_transcript(...)``) and gets back the records of ``models``; nothing
outside this package runs SQL (``tests/test_architecture.py`` checks it).

connection: opening, transactions, network shares; migrations: the schema; models: the records; recordings: taking
recordings in and their log; transcripts: segments and words, stored and read (kept_edits: what a new transcription
keeps); interviews: the list and one interview; metadata: applying an interview's metadata; subjects: people,
places, events and tags; subject_passages: what their pages list; subject_names: a person, event or place as typed,
read into ids; search_index: the passages' and interviews' search indexes; manuscript_quotes: the editors' quotes as
the manuscript export reads them.
"""

from pipeline.database.connection import connect, network_filesystem, now, open_database, rows, warn_if_network, writing
from pipeline.database.interviews import interview, interviews
from pipeline.database.manuscript_quotes import (
    dated_events, interview_numbered, interviews_held_in, manuscript_quotes,
)
from pipeline.database.metadata import Applied, apply_metadata, narrowed_consent, search_text
from pipeline.database.migrations import migrations
from pipeline.database.recordings import (
    add_recording, count_waiting_for_metadata, file_row, interview_for, interview_paths, known_file, log_event,
    record_normalised, record_probe, record_problem, recording_by_hash, recording_log, recording_of,
    recording_with_path, recordings_to_process, remember_file, update_recording,
)
from pipeline.database.search_index import interviews_found_by_metadata, passages_found, reindex
from pipeline.database.subject_names import events_named, people_named, places_named
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
    # search and the quotes selection
    "dated_events", "events_named", "interview_numbered", "interviews_found_by_metadata", "interviews_held_in",
    "manuscript_quotes", "passages_found", "people_named", "places_named", "reindex",
]
