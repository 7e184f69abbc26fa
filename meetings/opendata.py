"""HTTP for the record as data: open CORS on the API, feeds and calendars.

Their ETags, 304s and caching are those of every public answer (meetings/caching.py), keyed by the
record's version; this middleware sits outside that one so that a 304 carries the CORS headers too.
The API's description (schema and docs) describes the code, not the record: its ETag is its content's.
"""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag

OPEN_PATH_PREFIXES = ("/api/", "/feeds/")
OPEN_PATH_SUFFIXES = ("/calendar.ics",)
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
DESCRIPTION_PATHS = {"/api/openapi.json", "/api/docs"}


def is_open_data(path):
    return path.startswith(OPEN_PATH_PREFIXES) or path == "/calendar.ics" or path.endswith(OPEN_PATH_SUFFIXES)


class OpenDataMiddleware:
    """For the API, feeds and calendars: CORS open for reading, and HEAD for the API.

    Anyone may read the published record from a page on another site, without credentials, so
    ``Access-Control-Allow-Origin: *``; a preflight (a script sending If-None-Match) is answered
    here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_open_data(request.path_info) or request.method not in READ_METHODS:
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = self.preflight()
        else:
            response = self.conditional(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        # The paging headers of /api/popolo.json too, for a script on another site to walk its pages.
        response.headers["Access-Control-Expose-Headers"] = "ETag, Link, X-Total-Count"
        return response

    def conditional(self, request):
        if request.method == "OPTIONS":
            return self.get_response(request)
        if request.path_info in DESCRIPTION_PATHS:
            return self.conditional_on_content(request)
        return self.get_response_to_head(request)

    def conditional_on_content(self, request):
        """The schema and its docs describe the code, not the record: their ETag is their content's."""
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return response
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def get_response_to_head(self, request):
        """Django's views answer HEAD as GET without a body; ninja's allow GET only, so do it here."""
        if request.method != "HEAD" or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        request.method = "HEAD"
        if not response.streaming:
            length = len(response.content)
            response.content = b""
            response.headers["Content-Length"] = str(length)
        return response

    @staticmethod
    def preflight():
        response = HttpResponse(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
