"""Python Celery client for celeriac's Redis interop tests.

  interop_client.py send '<json list of {"name", "args", "kwargs", options…}>'
      sends each task with apply_async and prints a JSON list of task ids;
  interop_client.py get <task_id> <timeout seconds>
      prints {"state", "result"} or {"state", "error", "message"} once AsyncResult.get returns;
  interop_client.py canvas '<json {"kind": "chain"|"group"|"chord", "tasks": [[name, args]…],
      "body": [name, args], "queue": …}>' <timeout seconds>
      builds the canvas from signatures, applies it, prints {"id"} at once and then, like get,
      the outcome of the chain's last task, the group's GroupResult (saved, so it can be
      restored by id) or the chord's body;
  interop_client.py restore <group_id> <timeout seconds>
      GroupResult.restore(group_id).get(timeout): prints the outcome like get.
"""
import json
import sys
from datetime import datetime, timedelta, timezone

from celery import chain, chord, group

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
    wait(app.AsyncResult(task_id), timeout)


def restore(group_id, timeout):
    result = app.GroupResult.restore(group_id)
    if result is None:
        print(json.dumps({"state": "MISSING", "error": "LookupError", "message": [group_id]}), flush=True)
        return
    wait(result, timeout)


def wait(result, timeout):
    print("waiting", flush=True)
    try:
        value = result.get(timeout=timeout)
        state = "SUCCESS" if hasattr(result, "results") else result.state
        print(json.dumps({"state": state, "result": value}), flush=True)
    except Exception as exc:  # the task's own exception, rebuilt by Celery
        state = "FAILURE" if hasattr(result, "results") else result.state
        print(json.dumps({"state": state, "error": type(exc).__name__, "message": list(exc.args)}), flush=True)


def canvas(spec, timeout):
    options = {"queue": spec["queue"]} if "queue" in spec else {}
    tasks = [app.signature(name, args=args, options=options) for name, args in spec["tasks"]]
    kind = spec["kind"]
    if kind == "chain":
        result = chain(*tasks).apply_async()
    elif kind == "group":
        result = group(tasks).apply_async()
        result.save()
    elif kind == "chord":
        name, args = spec["body"]
        result = chord(tasks)(app.signature(name, args=args, options=options))
    else:
        raise SystemExit(f"unknown canvas kind {kind!r}")
    print(json.dumps({"id": result.id}), flush=True)
    try:
        value = result.get(timeout=timeout)
        print(json.dumps({"state": "SUCCESS", "result": value}), flush=True)
    except Exception as exc:  # a member's exception, or ChordError
        print(json.dumps({"state": "FAILURE", "error": type(exc).__name__, "message": list(exc.args)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(json.loads(sys.argv[2]))
    elif sys.argv[1] == "get":
        get(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "restore":
        restore(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "canvas":
        canvas(json.loads(sys.argv[2]), float(sys.argv[3]))
