"""What the tests of the old website's page importer share: its pages and how they are given.

The seed page and the twelve sample pages are third-party text, read from ``../shared/data/`` beside
the repository (or the folder ``BALITRACKER_SHARED_DATA`` names) and never copied here: ``needs``
skips a test, saying why, where they are missing. The pages below are written for the tests, in the
website's ways of writing. Then the ways of giving pages: files in a folder for the command, uploads
(a page, a .zip) for the admin, staff logged in to import them, and what the upload left in the
storage. The ``editor`` fixture is shared by assigning it in a test module
(``editor = legacy_pages.editor``), as a fixture imported by name would shadow its own parameter.
"""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from meetings.legacy import upload
from meetings.roles import EDITOR
from tests.admin_forms import staff_in

SHARED_DATA = Path(
    os.environ.get("BALITRACKER_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data"
)
SEED_PAGE = SHARED_DATA / "seed-page.txt"
SAMPLE_PAGES = SHARED_DATA / "legacy-pages"
SAMPLE_ADDRESS = "https://baliprocess.net/event/eighth-meeting-of-the-ad-hoc-group-senior-officials/"


def needs(path: Path) -> Path:
    """``path``, or the test skipped, saying why, where the shared pages are missing."""
    if not path.exists():
        pytest.skip(f"{path} is missing: these pages of the old website are read from there, not copied here")
    return path


def sample_pages(count: int | None = None) -> dict[str, str]:
    """{file name: text} of the sample pages (the first ``count``), or none where they are missing."""
    if not SAMPLE_PAGES.exists():
        return {}
    paths = sorted(SAMPLE_PAGES.glob("*.txt"))[:count]
    return {path.name: path.read_text(encoding="utf-8") for path in paths}


def pages_folder(folder: Path, **pages: str) -> Path:
    """``folder`` with each of ``pages`` ({file name: text}) written in it."""
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def page_file(name: str, text: str) -> SimpleUploadedFile:
    """A page as the admin's form receives it."""
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def zip_bytes(members: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


def zip_file(members, name="pages.zip", compression=zipfile.ZIP_DEFLATED) -> SimpleUploadedFile:
    """A .zip of ``members`` ({name in the zip: content}) as the admin's form receives it."""
    return SimpleUploadedFile(name, zip_bytes(members, compression), content_type="application/zip")


def staged_files() -> list[str]:
    """The names of the uploaded pages kept in the storage for a folder's import."""
    if not default_storage.exists(upload.STAGING_DIR):
        return []
    folders = default_storage.listdir(upload.STAGING_DIR)[0]
    return [name for sub in folders for name in default_storage.listdir(f"{upload.STAGING_DIR}/{sub}")[1]]


@pytest.fixture
def editor(db, client, django_user_model):
    """An editor logged in on ``client``, with the reference data (participants, types) loaded."""
    call_command("loaddata", "reference", verbosity=0)
    user = staff_in(EDITOR, django_user_model)
    client.force_login(user)
    return user


VIRTUAL_PAGE = """URL: https://www.example.org/event/ninth-meeting-of-the-steering-group/

Ninth Meeting of the Steering Group

Location: VirtualDate: 23-23 July 2020
steering-group-min Image

{opening}

{attendance}

{outcomes}
""".format(
    opening="On 23 July 2020, Australia and Indonesia co-chaired the Ninth Meeting of the Bali Process "
    "Steering Group, held virtually.",
    attendance="The meeting was attended by 139 delegates representing 47 countries. Observers included "
    "Canada, the USA and the lnternational Labour Organization2. Fiji and Nepal participated as new "
    "members. Iran was unable to attend.",
    outcomes="Outcomes: - Members agreed to hold the next meeting in the second half of 2021. - The RSO "
    "was tasked to prepare a report on returns by March 2021. - Members noted the progress of the working "
    "groups.",
)
TYPO_PAGE = """URL: https://www.example.org/event/workshop-on-document-fraud/

Workshop on Document Fraud

Location: Kuala LumpurDate: 12 August 208

{}
""".format(
    "The workshop was held in Kuala Lumpur on 12 August 208. In attendance were representatives from "
    "Malaysia, Islamic Republic of Afghanistan, UAE and Viet Nam."
)
ABOUT_PAGE = """URL: https://www.example.org/about/

About us

The forum is a voluntary and non-binding process. It brings states and organisations together to share
information and practice.
"""
HTML_PAGE = """<!DOCTYPE html><html><head><title>Third Ministerial Conference | Old site</title>
<link rel="canonical" href="https://www.example.org/event/third-ministerial-conference/"></head>
<body><nav><ul><li>Home</li><li>About</li></ul></nav><main><h1>Third Ministerial Conference</h1>
<p>Location: Bali, IndonesiaDate: 14 - 15 April 2009</p>
<p>The Third Ministerial Conference took place in Bali, Indonesia on 14-15 April 2009.</p>
<p>In attendance were representatives from Australia, Indonesia, Thailand and the IOM.</p>
<p>Ministers:</p><ul><li>endorsed the recommendations of the Ad Hoc Group.</li>
<li>directed the Ad Hoc Group to report back before the next Ministerial Conference.</li></ul>
</main><footer>Copyright</footer></body></html>
"""

NO_HEADER_PAGE = """URL: https://www.example.org/event/workshop-x/

On August 6, 2014 the Bali Process held a Workshop on Biometrics in Bangkok, Thailand, hosted by Thailand.
Representatives from Malaysia; Indonesia and Brunei attended.
"""

# Header and first sentence disagree on the date and on the place.
DISAGREEING_PAGE = """URL: https://www.example.org/event/tenth-meeting-of-the-steering-group/

Tenth Meeting of the Steering Group

Location: Bangkok, ThailandDate: 08 - 10 February 2023

On 10 February 2023, Australia and Indonesia co-chaired the Tenth Meeting of the Bali Process Steering Group
in Jakarta, Indonesia.

Members noted the progress of the working groups.
"""
# The header's date is a date; the first sentence's is a typo.
BODY_TYPO_PAGE = """URL: https://www.example.org/event/workshop-on-border-data/

Workshop on Border Data

Location: Bangkok, ThailandDate: 12 August 2018

The workshop was held in Bangkok, Thailand on 31 June 2018.
Representatives from Malaysia and Viet Nam attended.
"""
