"""The read API (django-ninja): ``api`` is mounted at ``/api/`` by the project's URLs."""

from .views import api

__all__ = ["api"]
