"""Public answers cached by the record's version, and answered 304 when the reader already has them.

Every public page, feed, calendar and API answer depends on the record and on today's date only,
the same for every anonymous reader. So the cache key is the record's version (meetings/versions.py)
with the scheme, host and full path (absolute links differ between them): an edit or a publication
moves the version in the same transaction, and from that moment no reader is given a page cached
before it. Entries of old versions are never looked up again and age out of the cache.

Readers with a live session (editors previewing drafts, staff banners) bypass the cache: what they
see depends on who they are. A session cookie alone is not a session: one that names none (forged,
expired) is read once and the reader is served from the cache like any other. A query string is
keyed in one order, and parameters no public page reads (``recognised_parameters``) are dropped
from the request before it is answered, so they are in neither the key nor the page: neither can
be used to render the same page anew for every request. Answers that set a cookie, stream, or are
not 200 are never stored. The stored answer carries the headers the inner middleware added (CSP
without a nonce: public pages keep their scripts and styles in static files, so one cached page is
right for every reader).

A new release (other code, templates or static files) starts with new keys: a page cached by the
previous release would link to static files that are gone. The release is ``DJANGO_RELEASE`` where
the deployment sets it, otherwise a digest of the code, templates and static manifest this process
runs; servers of two releases behind one balancer keep apart during a rolling deploy.

Conditional GET: the ETag is a digest of the version key, scheme, host and path, and Last-Modified
is when the version last moved (or midnight, when date-derived states did), so a revalidation costs
one query and no rendering. Dates have whole seconds, so the second of a change is given only once
it is over: within it, two changes would share a date, and only the ETag validates. Browsers are
told to revalidate every time (``no-cache``): a reader is never shown yesterday's record from their
own cache either.
"""

import hashlib
import math
import os
import time
from email.utils import formatdate
from functools import cache as once
from importlib import import_module
from itertools import chain
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django_filters import FilterSet

from . import versions
from .feeds import for_a_person

READ_METHODS = {"GET", "HEAD"}
# Not the public record (the admin, the health check, prepared files' pages, which follow a task),
# files with their own headers, and the API's description, whose ETag follows its content
# (meetings/opendata.py).
EXEMPT_PREFIXES = ("/admin/", "/healthz", "/documents/", "/exports/", "/static/", "/media/", "/api/docs")
EXEMPT_PATHS = {"/api/openapi.json"}
# Answers bigger than this are rendered each time rather than filling the cache.
MAX_CACHED_BYTES = 1024 * 1024


@once
def release():
    """What distinguishes this release's pages from another's (see the module's docstring)."""
    if os.environ.get("DJANGO_RELEASE"):
        return os.environ["DJANGO_RELEASE"]
    base = settings.BASE_DIR
    digest = hashlib.sha256()
    files = chain(
        base.glob("balitracker/*.py"),
        base.glob("meetings/**/*.py"),
        base.glob("templates/**/*.html"),
        [settings.STATIC_ROOT / "staticfiles.json"],
    )
    for path in sorted(files):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@once
def recognised_parameters() -> frozenset:
    """Every query parameter a public page, feed or API answer reads: the fields of the filter sets
    and of the API's query schemas, with paging (``page``; ``p`` for the sitemap's pages)."""
    from ninja import Schema

    from . import filters as page_filters
    from .api import filters as api_filters
    from .api import views as api_views

    names = {"page", "p"}
    for module in (page_filters, api_filters):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FilterSet):
                names |= set(value.base_filters)
    for value in vars(api_views).values():
        if isinstance(value, type) and issubclass(value, Schema) and value.__name__.endswith("Query"):
            names |= set(value.model_fields)
    return frozenset(names)


def has_session(request) -> bool:
    """Whether the reader holds a live session: a cookie that names one not expired (one query)."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return False
    return bool(import_module(settings.SESSION_ENGINE).SessionStore(session_key).load())


def bypasses(request):
    """Addresses outside the public record, and readers whose view depends on who they are."""
    path = request.path_info
    return (
        request.method not in READ_METHODS
        or path.startswith(EXEMPT_PREFIXES)
        or path in EXEMPT_PATHS
        or has_session(request)
    )


def drop_unknown_parameters(request) -> str:
    """Take the parameters no public page reads out of ``request``; the rest as a key, in one order
    (by name, each name's values in their order)."""
    recognised = recognised_parameters()
    pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if name in recognised]
    if len(kept) != len(pairs):
        request.META["QUERY_STRING"] = urlencode(kept)
        request.GET = QueryDict(request.META["QUERY_STRING"])
    return urlencode(sorted(kept, key=lambda pair: pair[0]))


def cacheable(request, response):
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and len(response.content) <= MAX_CACHED_BYTES
        and "no-store" not in response.get("Cache-Control", "")
        and "private" not in response.get("Cache-Control", "")
    )


class RecordCacheMiddleware:
    """Serves anonymous reads of the public record from the cache, keyed by the record's version."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if bypasses(request):
            return self.get_response(request)
        query = drop_unknown_parameters(request)
        version = versions.current()
        address = f"{request.path}?{query}" if query else request.path
        # A feed opened in a browser is the same document under another media type (meetings/feeds.py).
        shown = "page" if for_a_person(request) else "data"
        digest = hashlib.sha256(
            f"{release()}|{version.key}|{request.scheme}|{request.get_host()}|{address}|{shown}".encode()
        ).hexdigest()[:32]
        etag = f'"{digest}"'
        # Dates have whole seconds: the second of a change is given once it is over, so that a later
        # change always has a later date; within it only the ETag validates.
        last_modified = math.ceil(version.last_modified.timestamp())
        if time.time() < last_modified:
            last_modified = None
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return self.validated(not_modified, etag, last_modified)
        key = f"page:{digest}"
        response = cache.get(key) if settings.PAGE_CACHE else None
        if response is not None:
            response.headers["X-Cache"] = "hit"
            return response
        with versions.reading(version):
            response = self.get_response(request)
        if cacheable(request, response):
            self.validated(response, etag, last_modified)
            # One piece: a feed is written in thousands of small pieces, each a write to the socket.
            response.content = response.content
            if settings.PAGE_CACHE:
                cache.set(key, response, versions.CACHE_SECONDS)
                response.headers["X-Cache"] = "miss"
        return response

    @staticmethod
    def validated(response, etag, last_modified):
        # Ours, not a view's own (a feed dates itself by its newest item, which may be later than
        # the last change): revalidation must be against what decides whether the answer changed.
        response.headers["ETag"] = etag
        if last_modified is None:
            response.headers.pop("Last-Modified", None)
        else:
            response.headers["Last-Modified"] = formatdate(last_modified, usegmt=True)
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        return response
