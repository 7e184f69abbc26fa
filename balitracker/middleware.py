"""Project-wide middleware: headers Django's SecurityMiddleware does not set, and requests refused early."""

from django.http import HttpResponseBadRequest


class CrossOriginResourcePolicyMiddleware:
    """Keep other sites from embedding our responses (Cross-Origin-Resource-Policy: same-origin).

    Reading across origins on purpose (the API, feeds) goes through CORS, which this does not affect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RejectNullCharactersMiddleware:
    """Answer 400 to an address or query string holding a NUL character.

    No record contains one, and PostgreSQL refuses it in any query with an error, so every lookup
    made from such a request would fail; forms already refuse it in submitted text.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any("\x00" in key + value for key, value in request.GET.items()):
            return HttpResponseBadRequest(
                "The address contains a NUL character (%00), which no record holds.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
