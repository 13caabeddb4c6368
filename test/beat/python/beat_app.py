"""Celery 5.2 app of celeriac's beat interop tests (test/beat/interop.test.ts).

Configured from the environment so tests run in parallel on one Redis and one RabbitMQ:
  BEAT_BROKER  broker URL (redis://… or amqp://…)
  BEAT_PREFIX  kombu global_keyprefix of a Redis broker (empty on RabbitMQ)
  BEAT_QUEUE   the queue of the task and of the periodic entry

As a worker it runs `beat_test.tick` and prints the entry and scheduled time celeriac's
beat put in the headers; as `celery beat` it sends a 1-second entry of that task.
"""
import os

from celery import Celery

broker = os.environ.get("BEAT_BROKER", "redis://127.0.0.1:6379/0")
queue = os.environ.get("BEAT_QUEUE", "celery")
app = Celery("beat_interop", broker=broker)
if broker.startswith("redis") and os.environ.get("BEAT_PREFIX"):
    app.conf.broker_transport_options = {"global_keyprefix": os.environ["BEAT_PREFIX"]}
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_default_queue=queue,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "py-tick-every-second": {
            "task": "beat_test.tick",
            "schedule": 1.0,
            "args": ("from-python",),
            "options": {"queue": queue},
        }
    },
)


@app.task(name="beat_test.tick", bind=True)
def tick(self, word):
    entry = getattr(self.request, "periodic_task_name", None)
    at = getattr(self.request, "periodic_task_scheduled_at", None)
    print(f"TICK {entry} {at} {word}", flush=True)
    return word
