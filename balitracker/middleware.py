"""Response headers Django's SecurityMiddleware does not set."""


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
