"""The catalogue: interview metadata files, the people, places and events they name, and search."""
