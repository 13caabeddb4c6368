"""Capture Celery events for a few seconds, as `celery events` / Flower would.

argv[1]: JSON {"broker", "prefix", "seconds"}. Prints "ready" once bound, then one JSON
line per event received (type, hostname, uuid, …).
"""
import json
import socket
import sys

from celery import Celery

spec = json.loads(sys.argv[1])
app = Celery("events", broker=spec["broker"])
if spec.get("prefix"):
    app.conf.broker_transport_options = {"global_keyprefix": spec["prefix"]}



def on_event(event):
    print(json.dumps({k: event.get(k) for k in ("type", "hostname", "uuid", "freq", "result", "name")}), flush=True)


with app.connection() as conn:
    recv = app.events.Receiver(conn, handlers={"*": on_event})
    original = recv.on_consume_ready

    def on_consume_ready(*args, **kwargs):
        print(json.dumps({"type": "ready"}), flush=True)
        return original(*args, **kwargs)

    recv.on_consume_ready = on_consume_ready
    try:
        recv.capture(limit=None, timeout=spec["seconds"], wakeup=False)
    except socket.timeout:
        pass
