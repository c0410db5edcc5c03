"""The production server: gunicorn running the Django application in this process's settings.

Static files are served by whitenoise inside the application (from the app folders, so a fresh
clone needs no collectstatic step); gunicorn only runs the WSGI application.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

# The access log never writes the query string or the referrer: a patient search puts the
# name typed in the URL (?q=...), and that is patient data. %(U)s is the path alone.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
MAX_WORKERS = 8


def default_workers() -> int:
    """gunicorn's usual 2 x cores + 1, counting only the cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1) + 1, MAX_WORKERS)


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from acuback.web.wsgi import application

        return application


def serve(host: str, port: int, workers: int, threads: int) -> None:
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            # A slow PDF render must not be mistaken for a hung worker.
            "timeout": 60,
            "graceful_timeout": 20,
            # Recycling workers now and then bounds any slow growth in memory.
            "max_requests": 2000,
            "max_requests_jitter": 200,
        }
    ).run()
