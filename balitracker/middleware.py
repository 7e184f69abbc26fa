"""Project-wide middleware: headers Django's SecurityMiddleware does not set, and requests refused early."""

from django.http import HttpResponseBadRequest, JsonResponse


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
    made from such a request would fail; forms already refuse it in submitted text. The API answers
    its refusals in JSON, as its schema says, naming the parameters that hold one.
    """

    MESSAGE = "The address contains a NUL character (%00), which no record holds."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        holding = sorted({key for key, value in request.GET.items() if "\x00" in key + value})
        if "\x00" not in request.path_info and not holding:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            errors = {key.replace("\x00", "%00"): ["holds a NUL character (%00)."] for key in holding}
            return JsonResponse({"detail": self.MESSAGE, "errors": errors}, status=400)
        return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
