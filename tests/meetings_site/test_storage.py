import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    manifest = {"version": "1.1", "paths": {"css/app.css": "css/app.0123abcd.css"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_file_has_its_hashed_url_each_time(storage, settings):
    settings.DEBUG = False
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    settings.DEBUG = True  # development serves the files under their own names
    assert storage.url("css/app.css") == "/static/css/app.css"


def test_a_file_missing_from_the_manifest_is_an_error_every_time(storage, settings):
    settings.DEBUG = False
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
