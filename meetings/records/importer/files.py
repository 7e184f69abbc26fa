"""Files in a records import: a stored file by the record that holds it, or a new one by its content.

A document's ``file`` and a meeting's ``hero_image`` name files in the media storage. An import may
name one only where the same record already holds it (the meeting's own image; the document the
writer writes to, in the export's order): any other name would let a record serve a file that is not
its own, a draft's PDF from a published meeting. A file new to the record comes as content
(``file_content``, ``hero_image_content``: base64, as ``export_records --with-files`` writes it),
passes the checks of an upload (``meetings.uploads``: type by content, size) and is stored, as an
upload is, under a name the storage makes up; the name given beside it is only how the rest of the
file (an outcome's documents, a translation) refers to that document.
"""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

from ...uploads import check_new_file, check_size

# Where the file keeps the content of each file field, and what a refused name should do instead.
CONTENT_FIELDS = {"file": "file_content", "hero_image": "hero_image_content"}
NOT_HELD = (
    "'{name}' is not the file this {record} holds: an import keeps a stored file only where the same "
    "record already has it; to bring a file, give its content in {content} (base64, as "
    "export_records --with-files writes it)"
)


class FileContent(str):
    """The canonical ``file`` or ``hero_image`` of a record whose file the import stores anew.

    It reads as the name the file gave (for ordering, and for the addresses citing the document) and
    carries the checked content; it equals no stored name, so the record always counts as changed.
    """

    content: bytes

    def __new__(cls, given_name: str, content: bytes) -> "FileContent":
        value = super().__new__(cls, given_name)
        value.content = content
        return value

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = str.__hash__

    def __deepcopy__(self, memo: dict) -> "FileContent":
        return self  # it is never changed: the plan's copies of the record share it

    def as_upload(self) -> ContentFile:
        """The content as a file not stored yet, for the field's ``upload_to`` to name and store."""
        return ContentFile(self.content, name="imported")


def decode_content(text: str, types: tuple[str, ...], max_bytes: int) -> bytes:
    """The bytes of base64 ``text``, checked as an upload's; ``ValidationError`` says what is wrong."""
    # Refuse what is too long before decoding it: base64 takes 4 characters for every 3 bytes, less
    # the padding (which is all the text may hold besides them).
    check_size(len(text) // 4 * 3 - text[-2:].count("="), max_bytes)
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("is not base64") from None
    check_new_file(ContentFile(content), types, max_bytes)
    return content


def same_content(stored: FieldFile, content: bytes) -> bool:
    """Whether the stored file ``stored`` holds exactly ``content`` (False if it is missing)."""
    if not stored or not stored.name:
        return False
    try:
        if stored.storage.size(stored.name) != len(content):
            return False
        with stored.storage.open(stored.name, "rb") as handle:
            return handle.read() == content
    except OSError:
        return False
