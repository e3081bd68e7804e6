"""The archive's data layer: the SQLite database, its migrations, and every SQL statement of the project."""
