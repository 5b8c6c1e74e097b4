"""Zips and uploads made in the bulk-document tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def zip_of(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)  # kept as written: "../x", "/abs" too
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
