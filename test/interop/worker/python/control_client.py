"""Celery 5.2 client for the control and events interop tests (control-events.test.ts).

argv[1]: JSON {"broker", "backend", "prefix", "calls": [{"task", "args", "kwargs",
"options", "wait"}], "inspect": [node names] | null}. Prints one JSON line per call
(and one for inspect), so the TypeScript test can assert what Python saw.
"""
import json
import sys

from celery import Celery

spec = json.loads(sys.argv[1])
app = Celery("interop", broker=spec["broker"], backend=spec["backend"])
if spec.get("prefix"):
    app.conf.broker_transport_options = {"global_keyprefix": spec["prefix"]}
app.conf.result_backend_transport_options = {}

pending = []
for call in spec.get("calls", []):
    result = app.send_task(
        call["task"], args=call.get("args", []), kwargs=call.get("kwargs", {}), **call.get("options", {})
    )
    pending.append((call, result))

for call, result in pending:
    out = {"id": result.id, "task": call["task"]}
    if call.get("wait", True):
        try:
            out["result"] = result.get(timeout=20)
            out["state"] = result.state
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out["state"] = result.state
            out["exc_type"] = type(exc).__name__
            out["exc_module"] = type(exc).__module__
            out["exc_args"] = list(exc.args)
    print(json.dumps(out), flush=True)

if spec.get("inspect"):
    insp = app.control.inspect(destination=spec["inspect"], timeout=3)
    print(json.dumps({"ping": insp.ping(), "registered": insp.registered()}), flush=True)
