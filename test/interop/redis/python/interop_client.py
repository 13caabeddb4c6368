"""Python Celery client for celeriac's Redis interop tests.

  interop_client.py send '<json list of {"name", "args", "kwargs", options…}>'
      sends each task with apply_async and prints a JSON list of task ids;
  interop_client.py get <task_id> <timeout seconds>
      prints {"state", "result"} or {"state", "error", "message"} once AsyncResult.get returns.
"""
import json
import sys
from datetime import datetime, timedelta, timezone

from interop_app import app


def send(specs):
    ids = []
    for spec in specs:
        options = {k: v for k, v in spec.items() if k not in ("name", "args", "kwargs")}
        if "eta_in" in options:
            options["eta"] = datetime.now(timezone.utc) + timedelta(seconds=options.pop("eta_in"))
        result = app.send_task(spec["name"], args=spec.get("args", []), kwargs=spec.get("kwargs", {}), **options)
        ids.append(result.id)
    print(json.dumps(ids), flush=True)


def get(task_id, timeout):
    result = app.AsyncResult(task_id)
    print("waiting", flush=True)
    try:
        value = result.get(timeout=timeout)
        print(json.dumps({"state": result.state, "result": value}), flush=True)
    except Exception as exc:  # the task's own exception, rebuilt by Celery
        print(json.dumps({"state": result.state, "error": type(exc).__name__, "message": list(exc.args)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(json.loads(sys.argv[2]))
    elif sys.argv[1] == "get":
        get(sys.argv[2], float(sys.argv[3]))
