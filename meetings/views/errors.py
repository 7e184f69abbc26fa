"""Answers for a server that cannot answer: 503 while the database is unreachable or locked, 500 else.

A database that is down, restarting or locked by a long write is a passing state, not a fault of
the page: readers and programs are told to come back (``Retry-After``) and the server recovers by
itself (Django replaces a broken connection at the next request). Under ``/api/`` the answer is
JSON, as every other answer there is.

Django calls the 500 handler from inside its handling of the exception, so the exception is the
one being handled (``sys.exc_info()``); rendered without the request's context, these pages use
static text alone.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 10
# Connection refused, server gone, "database is locked": the database, not the page, has failed.
UNAVAILABLE = (OperationalError, InterfaceError)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return service_unavailable(request)
    if wants_json(request):
        return JsonResponse({"detail": _("Server error: it has been logged.")}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    message = _("The record is unavailable for a moment. Please try again in a few seconds.")
    if wants_json(request):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
