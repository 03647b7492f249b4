"""Refuse zip bombs before a parser inflates them: Word, PowerPoint and Excel files are zip archives.

The file-size limit applies to the compressed file; python-docx and python-pptx then inflate every part, so a
0.7 MB document could unpack to hundreds of MB of text and keep indexing busy for hours. The central directory
declares each member's unpacked size, and Python's zip reader stops at that size (a member that lies fails its
checksum), so checking the declared sizes is enough. The limits follow Apache POI's long-standing defaults for
Office files: a member may not inflate more than 100 times (real Office XML compresses 5-20 times), checked once a
member is large enough to matter.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from crossroads.errors import UnreadableFile
from crossroads.ingest import messages

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
"""All members together, unpacked: an XML tree that size already needs several GB of memory to parse."""
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024  # smaller members may compress better than 100:1 and cost nothing
MAX_MEMBERS = 20_000  # a big workbook has a few hundred parts


def check_zip(path: Path, kind: str) -> None:
    """Raise UnreadableFile when the archive would unpack to far more than a document holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return  # the loader says it is damaged
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(messages.too_many_parts(path, kind, len(members)))
    total = sum(max(0, m.file_size) for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(messages.unpacks_too_large(path, kind, total, MAX_UNZIPPED_BYTES))
    for member in members:
        if member.file_size >= RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(1, member.compress_size):
            ratio = member.file_size // max(1, member.compress_size)
            raise UnreadableFile(messages.zip_bomb(path, kind, member.file_size, ratio))
