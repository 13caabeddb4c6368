"""Celery 5.2 app for celeriac's Redis interop tests.

Configured from the environment so tests can run in parallel on one Redis:
CELERIAC_BROKER / CELERIAC_BACKEND (URLs), CELERIAC_PREFIX (kombu global_keyprefix),
CELERIAC_QUEUE (default queue), CELERIAC_VISIBILITY (visibility_timeout seconds).
"""
import os

from celery import Celery

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
