"""Celery 5.2 app for celeriac's Redis interop tests.

Configured from the environment so tests can run in parallel on one Redis:
CELERIAC_BROKER / CELERIAC_BACKEND (URLs), CELERIAC_PREFIX (kombu global_keyprefix),
CELERIAC_QUEUE (default queue), CELERIAC_VISIBILITY (visibility_timeout seconds);
CELERIAC_KEY_LOG, when set, a file each result key the process names is appended to.
"""
import os

from celery import Celery
from celery.backends.base import BaseKeyValueStoreBackend


def _log_keys(path):
    """Celery 5.2's Redis backend has no key prefix: the tests delete by name the result,
    group and chord keys each process named (every one comes from these methods)."""

    def logged(method):
        def get_key(self, *args, **kwargs):
            key = method(self, *args, **kwargs)
            with open(path, "a") as log:
                log.write((key.decode() if isinstance(key, bytes) else key) + "\n")
            return key

        return get_key

    for name in ("get_key_for_task", "get_key_for_group", "get_key_for_chord"):
        setattr(BaseKeyValueStoreBackend, name, logged(getattr(BaseKeyValueStoreBackend, name)))


if os.environ.get("CELERIAC_KEY_LOG"):
    _log_keys(os.environ["CELERIAC_KEY_LOG"])

broker = os.environ.get("CELERIAC_BROKER", "redis://127.0.0.1:6379/0")
app = Celery("interop", broker=broker, backend=os.environ.get("CELERIAC_BACKEND", broker))
app.conf.update(
    broker_transport_options={
        "global_keyprefix": os.environ.get("CELERIAC_PREFIX", ""),
        "visibility_timeout": float(os.environ.get("CELERIAC_VISIBILITY", "3600")),
    },
    task_default_queue=os.environ.get("CELERIAC_QUEUE", "celery"),
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="interop.add")
def add(a, b):
    return a + b


@app.task(name="interop.echo")
def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


@app.task(name="interop.fail")
def fail(msg):
    raise ValueError(msg)


@app.task(name="interop.sleep")
def sleep(seconds):
    import time

    time.sleep(seconds)
    return seconds


@app.task(name="interop.progress", bind=True)
def progress(self, n):
    for i in range(n):
        self.update_state(state="PROGRESS", meta={"current": i, "total": n})
    return n
