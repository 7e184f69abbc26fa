"""Addresses to subscribe to: a calendar as a ``webcal://`` link, beside the web address it stands for.

Calendar apps subscribe to a ``webcal://`` address (one click opens the app and it refreshes the
calendar by itself) or to the same address as ``https://``, pasted into their "add by URL" box. A
``webcal://`` link is the same host and path with the scheme replaced; the app fetches it over
HTTPS (or HTTP where the site is served so, as in development).
"""

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Subscription:
    """One calendar or feed to subscribe to: what it holds and its addresses."""

    title: str
    web_url: str
    webcal_url: str | None = None


def calendar(request: HttpRequest, title: str, path: str) -> Subscription:
    """The calendar at ``path`` (with its query string) as a subscription."""
    web_url = request.build_absolute_uri(path)
    return Subscription(title=title, web_url=web_url, webcal_url="webcal://" + web_url.split("://", 1)[1])


def feed(request: HttpRequest, title: str, path: str) -> Subscription:
    """The Atom feed at ``path`` as a subscription: feed readers take its web address."""
    return Subscription(title=title, web_url=request.build_absolute_uri(path))
