import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Give each test a MEDIA_ROOT of its own, so 'nothing stored' can be checked on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT
