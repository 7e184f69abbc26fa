"""What every template may read beside the request."""

from django.http import HttpRequest

from .filters import in_use


def query_in_use(request: HttpRequest) -> dict:
    """``query_in_use``: the address's query without the parameters given no value, the start of
    every link a list builds from it (``{% querystring query_in_use page=2 %}``): a GET form sends
    every field, chosen or not, and a link should carry only the filters in use."""
    return {"query_in_use": in_use(request.GET)}
