"""gunicorn settings for balitracker, read from the environment.

    gunicorn -c deploy/gunicorn.conf.py balitracker.wsgi

Used by the Procfile and deploy/systemd/balitracker.service; docs/deployment.md explains each choice.

Variables (docs/deployment.md has the table):

- GUNICORN_BIND: where to listen, comma-separated; default 0.0.0.0:$PORT when PORT is set, else
  127.0.0.1:8000 (a unix: path works too).
- WEB_CONCURRENCY: worker processes; default 2 x cores + 1.
- GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT: seconds; default 30 each.
- GUNICORN_MAX_REQUESTS: requests a worker serves before it is replaced, 10% jitter; default 1000.
- FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-Proto gunicorn believes; default 127.0.0.1,::1.
- GUNICORN_ACCESS_LOG: 0 to leave access logging to the proxy; default on.
"""

import os

# Django's ORM and views are synchronous: plain processes, one request at a time each. Under ASGI
# every request of this app would cross into a thread and back (sync_to_async) for no gain.
worker_class = "sync"


def _cores():
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use, not all the host's
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _bind():
    if os.environ.get("GUNICORN_BIND"):
        return [address.strip() for address in os.environ["GUNICORN_BIND"].split(",") if address.strip()]
    if os.environ.get("PORT"):  # a platform that hands the app its port (the Procfile's world)
        return [f"0.0.0.0:{_int('PORT', 8000)}"]
    return ["127.0.0.1:8000"]


bind = _bind()
workers = max(1, _int("WEB_CONCURRENCY", 2 * _cores() + 1))

# A sync worker that has said nothing for this long is killed and replaced: a stuck request must
# not hold a worker for ever. If a legitimate long answer (an export or import of a large record)
# is cut off, the error log says WORKER TIMEOUT: raise this rather than lose it.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Replace each worker after about this many requests, so slow memory growth (caches, fragmentation)
# never builds up; the jitter keeps the workers from all restarting at the same moment.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10

# The proxies allowed to tell gunicorn the original scheme (X-Forwarded-Proto). Django reads that
# header itself too (SECURE_PROXY_SSL_HEADER): the proxy must overwrite it on every request.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to standard output and error: systemd's journal or the platform collects them.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG", "1").strip() in {"0", "off", "false", "no"} else "-"
errorlog = "-"
# Who (behind the proxy), what, status, size, and the time taken in milliseconds.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The heartbeat file of each worker in memory, not on a disk that may stall (containers, slow /tmp).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's control socket would be made under the home folder, which a service account has not.
control_socket_disable = True

# Workers load the application themselves, so `systemctl reload` (HUP) picks up new code.
preload_app = False
