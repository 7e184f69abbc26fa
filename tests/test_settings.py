import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_development_starts_without_a_secret_key():
    assert run_check(DJANGO_DEBUG="1").returncode == 0


def test_production_starts_with_a_secret_key():
    assert run_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50).returncode == 0


def test_redis_url_selects_the_shared_cache():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from balitracker import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/1"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "django_redis.cache.RedisCache"


def test_static_files_are_collected_with_hashed_and_compressed_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    names = {path.name for path in (tmp_path / "css").iterdir()}
    hashed = [
        name for name in names if name.startswith("site.") and name.endswith(".css") and name != "site.css"
    ]
    assert hashed, names
    assert f"{hashed[0]}.gz" in names
    assert (tmp_path / "staticfiles.json").exists()


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
