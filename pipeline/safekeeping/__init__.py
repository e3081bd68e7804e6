"""Safekeeping: fixity checks, rebuilding what can be derived, backups."""
