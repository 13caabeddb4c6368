"""Celery 5.2 app for celeriac's worker-level interop tests (test/interop/worker).

Configured from the environment so tests run in parallel on one Redis and one RabbitMQ:
  WK_BROKER       broker URL (redis://… or amqp://…)
  WK_BACKEND      result backend URL (redis://…, rpc://), empty for none
  WK_PREFIX       kombu global_keyprefix of a Redis broker (also prefixes witness keys)
  WK_VISIBILITY   Redis visibility_timeout in seconds (3600)
  WK_QUEUE        task_default_queue
  WK_MAX_PRIORITY task_queue_max_priority (queues declared with x-max-priority)
  WK_TOPOLOGY     JSON list of task_queues entries:
                  {"name", "exchange", "type", "routing_key", "max_priority"}
  WK_REDIS        the Redis that tasks record into (HINCRBY witnesses, gates)
"""
import json
import os
import time

import redis
from celery import Celery
from kombu import Exchange, Queue

broker = os.environ.get("WK_BROKER", "redis://127.0.0.1:6379/0")
prefix = os.environ.get("WK_PREFIX", "")
app = Celery("worker_interop", broker=broker, backend=os.environ.get("WK_BACKEND") or None)
transport_options = {}
if broker.startswith("redis"):
    transport_options = {
        "global_keyprefix": prefix,
        "visibility_timeout": float(os.environ.get("WK_VISIBILITY", "3600")),
        # A killed celeriac worker may hold the restore lock: let it lapse quickly.
        "unacked_mutex_expire": 1,
    }
app.conf.update(
    broker_transport_options=transport_options,
    task_default_queue=os.environ.get("WK_QUEUE", "celery"),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    result_extended=True,
)
if os.environ.get("WK_MAX_PRIORITY"):
    app.conf.task_queue_max_priority = int(os.environ["WK_MAX_PRIORITY"])
if os.environ.get("WK_TOPOLOGY"):
    queues = []
    for q in json.loads(os.environ["WK_TOPOLOGY"]):
        arguments = {"x-max-priority": q["max_priority"]} if q.get("max_priority") else None
        queues.append(
            Queue(
                q["name"],
                Exchange(q.get("exchange", q["name"]), type=q.get("type", "direct")),
                routing_key=q.get("routing_key", q["name"]),
                queue_arguments=arguments,
            )
        )
    app.conf.task_queues = queues

_redis = None


def witness():
    """The Redis that tasks record into (one connection per process)."""
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(os.environ.get("WK_REDIS", "redis://127.0.0.1:6379/0"))
    return _redis


def wait_for_key(key, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not witness().exists(key):
        if time.monotonic() > deadline:
            raise TimeoutError(f"gate {key} never opened")
        time.sleep(0.02)


@app.task(name="wk.add")
def add(a, b):
    return a + b


@app.task(name="wk.echo")
def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


@app.task(name="wk.fail")
def fail(message):
    raise ValueError(message)


@app.task(name="wk.progress", bind=True)
def progress(self, gate):
    """Store PROGRESS, then wait until the test opened `gate` (it saw the state)."""
    self.update_state(state="PROGRESS", meta={"step": 1, "of": 2, "by": "python"})
    wait_for_key(gate)
    return "finished"


@app.task(name="wk.record")
def record(n, key):
    """Record one execution of task `n`: HINCRBY <key> n 1, and who ran it."""
    time.sleep(0.01)
    witness().pipeline().hincrby(key, str(n), 1).hset(f"{key}:who", str(n), "python").execute()
    return n


@app.task(name="reliability.record", acks_late=True)
def reliability_record(n):
    """The task of test/reliability/redis-worker-child.ts, recorded on the same witness keys."""
    witness().pipeline().sadd(f"{prefix}done", str(n)).hincrby(f"{prefix}runs", str(n), 1).hset(
        f"{prefix}who", str(n), "python"
    ).execute()
    return n
