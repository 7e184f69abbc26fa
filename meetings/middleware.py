"""Old addresses of meetings, answered where nothing else lives any more; pages cleaned of what
they cannot carry."""

from django.http import HttpResponsePermanentRedirect

from .models import OldAddress
from .text import showable_bytes


class OldAddressRedirectMiddleware:
    """Send a request that found nothing (404) at a meeting's old address on to its page, for good (301).

    Only a page the reader may see is given away: a draft's old address stays a 404 for the public.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        old_address = OldAddress.objects.filter(path=request.path_info).select_related("meeting").first()
        if old_address is None:
            return response
        meeting = old_address.meeting
        user = getattr(request, "user", None)
        staff = user is not None and user.is_authenticated and user.is_staff
        if not staff and not meeting.is_published:
            return response
        return HttpResponsePermanentRedirect(meeting.get_absolute_url())


class ShowableHtmlMiddleware:
    """Take out of every HTML page the control characters no output can carry (meetings/text.py).

    Forms and the records import refuse them, but a row written before that rule, or by code that
    skips validation, may still hold one. HTML forbids them and browsers show them as boxes or not
    at all; and an editor's form, shown without one, saves the text without it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            cleaned = showable_bytes(response.content)
            if len(cleaned) != len(response.content):
                response.content = cleaned
        return response
