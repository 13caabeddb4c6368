"""Celery 5.2 app for celeriac's control-client and monitor tests (test/control).

Configured from the environment so tests run in parallel on one Redis and one RabbitMQ:
  MON_BROKER   broker URL (redis://… or amqp://…)
  MON_PREFIX   kombu global_keyprefix of a Redis broker (empty on RabbitMQ)
  MON_BACKEND  result backend URL, empty for none
"""
import os
import time

from celery import Celery

broker = os.environ.get("MON_BROKER", "redis://127.0.0.1:6379/0")
app = Celery("monitor_interop", broker=broker, backend=os.environ.get("MON_BACKEND") or None)
if broker.startswith("redis") and os.environ.get("MON_PREFIX"):
    app.conf.broker_transport_options = {"global_keyprefix": os.environ["MON_PREFIX"]}
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="mon.add")
def add(a, b):
    return a + b


@app.task(name="mon.sleep")
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(name="mon.fail")
def fail(message):
    raise ValueError(message)
