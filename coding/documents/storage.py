"""Where document files live: STORAGES["documents"] (file system by default, S3 when set up)."""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _DocumentsStorage(LazyObject):
    # Lazy so that the backend is chosen from settings when first used, not when the models
    # load, and chosen again when a test changes STORAGES.
    def _setup(self):
        self._wrapped = storages["documents"]


documents_storage = _DocumentsStorage()


def get_documents_storage():
    """The FileField's storage callable (a callable, so no backend is written into migrations)."""
    return documents_storage


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):
        documents_storage._wrapped = empty
