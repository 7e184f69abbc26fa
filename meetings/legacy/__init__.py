"""Pages of the old website into draft meetings: the legacy page importer.

The forum's record before this system is hundreds of pages of its old website; this package turns
each into draft meetings in the records format, for editors to review rather than type. By concept:

- ``pages``: a page, captured text or saved HTML, read into its address, title, header and blocks;
- ``dates``: dates as published ("26 - 28 February 2002", "On 29 and 30 August 2022") and what
  they are read as, or why they cannot be;
- ``names``: participants' names matched tolerantly (typos, footnote digits, official names,
  initials), never invented;
- ``events``: the page's meeting and the events held under it, with type, number, date and place;
- ``attendance``: who attended in what role, from the sentences that say so and from memberships;
- ``outcomes`` and ``actions``: statements with their kind, and the action items they propose;
- ``drafts``: a page as draft meeting records, with the names not matched and the conflicts to
  decide;
- ``importing``: pages and folders through the records import, one revision a page.
"""

from .drafts import PageDraft, PageDrafter
from .importing import LegacyImport, PageResult, page_files, records_document
from .pages import Page, PageUnreadable, read_page

__all__ = [
    "LegacyImport",
    "Page",
    "PageDraft",
    "PageDrafter",
    "PageResult",
    "PageUnreadable",
    "page_files",
    "read_page",
    "records_document",
]
