"""Loaded with ``-p tests.testenv`` before Django's settings are read: the test run's environment.

The settings refuse to start without a secret key when DEBUG is off, as production must; the test
run supplies a throwaway one, and keeps DEBUG off as the server would have it.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
