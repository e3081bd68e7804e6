"""The run: the stages in order over an archive, locally, on a Ray cluster, or as recordings arrive."""
