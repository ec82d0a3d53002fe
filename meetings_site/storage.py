"""Static files as WhiteNoise serves them, with each file's URL worked out once per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Every page links the same few files; the manifest that names them is read at start-up
    and does not change while the process runs, so neither do their URLs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        key = (name, settings.DEBUG)
        if force or key not in self._urls:
            url = super().url(name, force)
            if force:
                return url
            self._urls[key] = url
        return self._urls[key]
