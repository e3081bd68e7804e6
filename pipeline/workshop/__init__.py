"""The workshop (hội thảo): what the witnesses said about each event, side by side, and what the workshop settled.

dates reads the dates in what was said ("năm bốn lăm", "hồi Mậu Thân", "sau Cách mạng tháng Tám"), with numbers
(Vietnamese number words), lifetime (years placed in the witness's life), timespans, readings (its records),
words and the gazetteer of named periods (``gazetteer.yaml``, extended by an archive's
``recordings/gazetteer.yaml``); phrase_set scores it on a table of phrases. dossier gathers every passage about an
event, person or place by witness, with the dates, places and people read from each; questions compares the
witnesses' accounts and words each difference as a question; conclusions records what the workshop settled;
pages and handout write the dossier and the timeline as HTML and DOCX.
"""
