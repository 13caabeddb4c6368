"""What `celery control <command>` does, for the control-gate test (control-gate.test.ts).

argv[1]: JSON {"broker", "prefix", "method", "arguments", "destination"}. Broadcasts
the command unsigned, as Python's `celery control` always does, waits for replies and
prints them as one JSON line.
"""
import json
import sys

from celery import Celery

spec = json.loads(sys.argv[1])
app = Celery("gate", broker=spec["broker"])
if spec.get("prefix"):
    app.conf.broker_transport_options = {"global_keyprefix": spec["prefix"]}
replies = app.control.broadcast(
    spec["method"],
    arguments=spec.get("arguments", {}),
    destination=spec["destination"],
    reply=True,
    timeout=3,
)
print(json.dumps({"replies": replies}), flush=True)
