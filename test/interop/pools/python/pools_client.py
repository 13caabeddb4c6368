"""Celery 5.2 client of celeriac's pool interop tests.

  pools_client.py '<json spec>'

Configured by POOLS_BROKER, POOLS_PREFIX (kombu global_keyprefix), POOLS_QUEUE.
spec: {"steps": [...]}, each step one of
  {"apply": task, "args": [...], "options": {apply_async keywords}, "timeout": s}
      → {"id", "state", "result"} or {"id", "state", "exc_type", "exc_module", "exc_args"}
  {"broadcast": command, "arguments": {...}, "destination": [node]}
      → {"replies": [...]} (app.control.broadcast(..., reply=True))
  {"stats": node, "processes": n} → {"stats": {...}} (polled until the pool shows n
      processes, up to 30 s, when "processes" is given: growing starts processes)
printed one JSON line per step.
"""
import json
import os
import sys
import time

from celery import Celery

broker = os.environ["POOLS_BROKER"]
app = Celery("pools_interop", broker=broker, backend=broker)
app.conf.update(
    broker_transport_options={"global_keyprefix": os.environ.get("POOLS_PREFIX", "")},
    task_default_queue=os.environ.get("POOLS_QUEUE", "celery"),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
)

spec = json.loads(sys.argv[1])
for step in spec["steps"]:
    if "apply" in step:
        result = app.send_task(step["apply"], args=step.get("args", []), **step.get("options", {}))
        out = {"id": result.id}
        try:
            out["result"] = result.get(timeout=step.get("timeout", 20))
            out["state"] = result.state
        except Exception as exc:  # the task's failure, as the client sees it
            out.update(
                state=result.state,
                exc_type=type(exc).__name__,
                exc_module=type(exc).__module__,
                exc_args=[repr(a) for a in exc.args],
            )
    elif "broadcast" in step:
        replies = app.control.broadcast(
            step["broadcast"],
            arguments=step.get("arguments", {}),
            destination=step.get("destination"),
            reply=True,
            timeout=step.get("timeout", 3),
        )
        out = {"replies": replies}
    else:
        deadline = time.monotonic() + 30
        while True:
            replies = app.control.inspect([step["stats"]], timeout=3).stats() or {}
            stats = replies.get(step["stats"])
            wanted = step.get("processes")
            if wanted is None or time.monotonic() > deadline:
                break
            if stats and len(stats["pool"]["processes"]) == wanted:
                break
            time.sleep(0.3)
        out = {"stats": stats}
    print(json.dumps(out), flush=True)
