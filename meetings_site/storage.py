"""Static files as WhiteNoise serves them: compressed, under names that carry their hash."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The storage STORAGES names, so that settings need not name WhiteNoise's class."""
