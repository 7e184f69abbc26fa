"""The files that run balitracker on a server: gunicorn's settings, the Procfile, systemd and nginx units."""

import http.client
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SYSTEMD = ROOT / "deploy" / "systemd"
GUNICORN_VARIABLES = (
    "GUNICORN_BIND",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_MAX_REQUESTS",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_ACCESS_LOG",
)


@pytest.fixture
def gunicorn_settings(monkeypatch):
    """gunicorn's settings module, executed as gunicorn does, with the given environment."""

    def read(**env):
        for name in GUNICORN_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(GUNICORN_CONF))

    return read


def test_gunicorn_defaults_to_sync_workers_two_per_core_plus_one_on_loopback(gunicorn_settings):
    conf = gunicorn_settings()

    assert conf["worker_class"] == "sync"
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["timeout"] == 30
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["preload_app"] is False


def test_gunicorn_reads_workers_port_and_limits_from_the_environment(gunicorn_settings):
    conf = gunicorn_settings(
        WEB_CONCURRENCY="3",
        PORT="5000",
        GUNICORN_TIMEOUT="60",
        GUNICORN_MAX_REQUESTS="500",
        FORWARDED_ALLOW_IPS="10.0.0.2",
        GUNICORN_ACCESS_LOG="0",
    )

    assert conf["workers"] == 3
    assert conf["bind"] == ["0.0.0.0:5000"]
    assert conf["timeout"] == 60
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (500, 50)
    assert conf["forwarded_allow_ips"] == "10.0.0.2"
    assert conf["accesslog"] is None


def test_an_explicit_bind_wins_over_the_port(gunicorn_settings):
    conf = gunicorn_settings(PORT="5000", GUNICORN_BIND="unix:/run/balitracker/gunicorn.sock, 127.0.0.1:8001")
    assert conf["bind"] == ["unix:/run/balitracker/gunicorn.sock", "127.0.0.1:8001"]


def test_gunicorn_refuses_a_worker_count_that_is_not_a_number(gunicorn_settings):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number, not 'many'"):
        gunicorn_settings(WEB_CONCURRENCY="many")


def test_every_setting_in_the_file_is_one_gunicorn_knows():
    from gunicorn.config import Config

    known = set(Config().settings)
    names = {
        name
        for name, value in runpy.run_path(str(GUNICORN_CONF)).items()
        if not name.startswith("_") and not callable(value) and not isinstance(value, type(os))
    }
    assert names <= known, names - known


def test_the_procfile_serves_with_the_config_and_migrates_on_release():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)

    assert processes["web"] == "gunicorn --config deploy/gunicorn.conf.py balitracker.wsgi"
    assert processes["release"] == "python manage.py migrate --no-input"
    assert processes["worker"].startswith("python manage.py db_worker ")


def test_systemd_units_start_gunicorn_with_the_config_and_the_digest_daily():
    service = (SYSTEMD / "balitracker.service").read_text()
    digest = (SYSTEMD / "balitracker-digest.service").read_text()
    timer = (SYSTEMD / "balitracker-digest.timer").read_text()

    assert "ExecStart=/srv/balitracker/.venv/bin/gunicorn --config deploy/gunicorn.conf.py" in service
    assert "manage.py send_action_digest --days 30 --enqueue" in digest
    assert "OnCalendar=*-*-* 06:00:00" in timer


def test_the_worker_unit_runs_the_task_worker_and_lets_a_task_finish_on_stop():
    worker = (SYSTEMD / "balitracker-worker.service").read_text()

    assert "ExecStart=/srv/balitracker/.venv/bin/python manage.py db_worker " in worker
    assert "--no-reload" in worker
    assert "KillSignal=SIGTERM" in worker and "Restart=always" in worker
    assert "balitracker-worker.service" in (SYSTEMD / "balitracker-digest.service").read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    # The units name /srv/balitracker; verify checks that their programs exist, so point them here.
    units = []
    for unit in sorted(SYSTEMD.iterdir()):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/srv/balitracker", str(ROOT)))
        units.append(str(copy))
    (ROOT / ".venv" / "bin").is_dir() or pytest.skip("verify needs the checkout's .venv")

    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_the_nginx_example_is_valid(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t"]
        + ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / "nginx" / "balitracker.conf").read_text()
    (tmp_path / "site.conf").write_text(
        site.replace("/etc/letsencrypt/live/record.example.org", str(tmp_path))
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n"
    )

    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_with_the_config_serves_the_health_check_over_plain_http(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    # The health check reads the record's tables: a server is healthy only on a migrated database.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "balitracker.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        answer = None
        for _ in range(100):  # up to 20 s for gunicorn to boot its worker
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                answer = (response.status, json.loads(response.read() or b"null"))
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
            finally:
                connection.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()

    assert answer == (200, {"status": "ok", "database": "ok", "cache": "ok"}), output
    assert "Using worker: sync" in output


@pytest.mark.django_db
def test_the_health_check_is_answered_over_plain_http_while_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("meetings:healthz")).status_code == 200
    assert client.get(reverse("meetings:home")).status_code == 301
