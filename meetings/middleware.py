"""Old addresses of meetings, answered where nothing else lives any more."""

from django.http import HttpResponsePermanentRedirect

from .models import OldAddress


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
