"""The data layer: the archive's SQLite database, its migrations, and every SQL statement of the project."""
