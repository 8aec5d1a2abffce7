"""Private storage for report files and uploaded imports: on disk, outside MEDIA_ROOT, with no URL.

Files are handed out only by `reports.views.download`, which checks who may have them; the
web server can send the bytes itself (X-Accel-Redirect or X-Sendfile, see README).
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileStorage(FileSystemStorage):
    """A FileSystemStorage at `PRIVATE_MEDIA_ROOT` (read at use, so tests may move it) that has no URL."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL: they are downloaded through an authorising view.")


def report_storage():
    """The storage of ReportFile files (a callable, so the model does not bind a storage at import)."""
    return storages["reports"]
