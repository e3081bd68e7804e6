"""Intake: find recordings in recordings/, identify them by their bytes, decode and normalise them."""
