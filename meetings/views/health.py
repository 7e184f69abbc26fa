"""``/healthz``: whether this app server can reach its database and cache, for load balancers."""

import logging

from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ..models import RecordVersion

logger = logging.getLogger(__name__)


def _check(name, probe):
    try:
        probe()
    except Exception:  # any failure of a dependency makes this server unhealthy, whatever its kind
        logger.exception("Health check of the %s failed", name)
        return "unavailable"
    return "ok"


def _query_database():
    # A table every page reads first, not `SELECT 1`: a locked database still answers that.
    list(RecordVersion.objects.values_list("counter", flat=True)[:1])


def _round_trip_cache():
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("the cache did not return what was stored")


@never_cache
def healthz(request):
    checks = {"database": _check("database", _query_database), "cache": _check("cache", _round_trip_cache)}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
