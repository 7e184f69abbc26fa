"""The address a request came from, for login throttling, behind as many proxies as we trust."""

import os


def client_ip(request):
    """REMOTE_ADDR, or with DJANGO_TRUSTED_PROXY_COUNT=n the address the n-th proxy from us was given.

    Only the entries our own proxies appended to X-Forwarded-For are trusted: a client can send the
    header with any addresses it likes at its start.
    """
    proxies = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0") or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
