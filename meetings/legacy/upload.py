"""Saved pages uploaded at once, or a .zip of them: read within limits, and kept for the task worker.

An upload is the uploader's to make up, a zip's headers included, so nothing is trusted: a zip is
refused whole when it is not one, is encrypted, holds more members or pages than a folder of old pages
has, or would inflate past what its pages could weigh (a zip bomb declares small sizes, or a
compression no saved page reaches); each member is read at most one byte past the limit of a page,
whatever its header says. Only ``.txt``, ``.htm`` and ``.html`` members are pages; the rest (a saved
page's images and scripts, folders) are left out and counted. Nothing is kept until all is read.
"""

import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PAGE_SUFFIXES = (".txt", ".htm", ".html")
# A page of the old website is some tens of kilobytes; saved with its markup, a few hundred.
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_PAGES = 500
# A saved page comes with a folder of images and scripts: members beyond pages are allowed, to a point.
MAX_MEMBERS = 5_000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PAGES_BYTES = 100 * 1024 * 1024
# Text and HTML compress ten or twenty times; a member claiming more is not a page.
MAX_RATIO = 200
STAGING_DIR = "legacy-imports"


class UploadRefused(Exception):
    """The upload cannot be imported as it is; the message says why, for the editor."""


@dataclass
class Pages:
    """The pages of an upload, in the order given, and how many other files were left out."""

    pages: list[tuple[str, bytes]] = field(default_factory=list)
    left_out: int = 0

    @property
    def size(self) -> int:
        return sum(len(content) for _name, content in self.pages)

    def add(self, name: str, content: bytes) -> None:
        if len(self.pages) >= MAX_PAGES:
            raise UploadRefused(
                _("More than %(count)s pages were given; import them in parts of at most %(count)s.")
                % {"count": MAX_PAGES}
            )
        if len(content) > MAX_PAGE_BYTES:
            raise too_large(name)
        if self.size + len(content) > MAX_PAGES_BYTES:
            raise UploadRefused(
                _("The pages weigh more than %(size)s together; import them in parts.")
                % {"size": filesizeformat(MAX_PAGES_BYTES)}
            )
        self.pages.append((name, content))


def too_large(name: str) -> UploadRefused:
    return UploadRefused(
        _("“%(name)s” is larger than %(size)s; an old page is much smaller.")
        % {"name": name, "size": filesizeformat(MAX_PAGE_BYTES)}
    )


def is_page(name: str) -> bool:
    return name.lower().endswith(PAGE_SUFFIXES)


def read_upload(files: Iterable) -> Pages:
    """The pages of the uploaded ``files`` (Django's UploadedFile): pages as they are, zips opened."""
    pages = Pages()
    files = list(files)
    if not files:
        raise UploadRefused(_("Choose the saved pages, or a .zip of them."))
    if sum(upload.size for upload in files) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _("The files weigh more than %(size)s together; import them in parts.")
            % {"size": filesizeformat(MAX_UPLOAD_BYTES)}
        )
    for upload in files:
        name = PurePosixPath(upload.name or "").name
        if name.lower().endswith(".zip"):
            read_zip(upload, name, pages)
        elif is_page(name):
            if upload.size > MAX_PAGE_BYTES:
                raise too_large(name)
            pages.add(name, upload.read())
        else:
            raise UploadRefused(
                _(
                    "“%(name)s” is not a saved page (.txt, .htm or .html) nor a .zip of them; "
                    "nothing was imported."
                )
                % {"name": name}
            )
    if not pages.pages:
        raise UploadRefused(_("The upload holds no page (.txt, .htm or .html); nothing was imported."))
    return pages


def read_zip(upload, name: str, pages: Pages) -> None:
    """Add the pages of the zip ``upload`` to ``pages``, or refuse the zip whole."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused(_("“%(name)s” is not a readable .zip file.") % {"name": name}) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadRefused(
                _("“%(name)s” holds more than %(count)s files; a folder of old pages holds far fewer.")
                % {"name": name, "count": f"{MAX_MEMBERS:,}"}
            )
        chosen = [member for member in members if not member.is_dir() and is_page(member.filename)]
        pages.left_out += sum(not member.is_dir() for member in members) - len(chosen)
        declared = sum(member.file_size for member in chosen)
        if declared > MAX_PAGES_BYTES:
            raise UploadRefused(
                _("The pages of “%(name)s” would weigh %(size)s unpacked; import them in parts.")
                % {"name": name, "size": filesizeformat(declared)}
            )
        for member in chosen:
            inner = f"{name}: {member.filename}"
            if member.flag_bits & 0x1:
                raise UploadRefused(
                    _("“%(name)s” is encrypted; zip the pages without a password.") % {"name": inner}
                )
            if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1024 * 1024:
                raise UploadRefused(
                    _(
                        "“%(name)s” inflates %(ratio)s times: that is a zip bomb, not a page; "
                        "nothing was imported."
                    )
                    % {"name": inner, "ratio": f"{member.file_size // max(member.compress_size, 1):,}"}
                )
            try:
                with archive.open(member) as stream:
                    # Never more than a page's limit, whatever the header claims.
                    content = stream.read(MAX_PAGE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError):
                raise UploadRefused(_("“%(name)s” cannot be unpacked.") % {"name": inner}) from None
            pages.add(inner, content)


def stage(pages: Pages) -> list[list[str]]:
    """Keep each page in the storage for the task worker: [[page name, stored name], ...]."""
    folder = f"{STAGING_DIR}/{uuid.uuid4().hex}"
    staged = []
    for number, (name, content) in enumerate(pages.pages, start=1):
        suffix = PurePosixPath(name).suffix.lower()
        staged.append([name, default_storage.save(f"{folder}/{number:04d}{suffix}", ContentFile(content))])
    return staged
