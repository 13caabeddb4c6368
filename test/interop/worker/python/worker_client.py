"""Celery 5.2 client of celeriac's worker-level interop tests.

  worker_client.py '<json spec>'

spec: {"calls": [{"task", "args", "kwargs", "options", "expires_in", "mode", "gate"}],
       "timeout": seconds}
Sends every call with `app.send_task` (options are apply_async keywords; `expires_in` is
seconds from now, negative for the past, sent as an aware datetime) and prints
{"sent": id} per call, then, per call in order:
  mode "send"     nothing more;
  mode "get"      {"id", "state", "result", "retries"} or, when get() raises,
                  {"id", "state", "exc_type", "exc_module", "exc_args", "traceback"};
  mode "progress" polls AsyncResult.state until it is PROGRESS, records state and info,
                  sets the Redis key `gate` (so the task may finish), then as "get" with
                  an extra {"observed": {"state", "info"}}.
"""
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from worker_app import app, witness

spec = json.loads(sys.argv[1])
timeout = float(spec.get("timeout", 20))
sent = []
for call in spec["calls"]:
    options = dict(call.get("options", {}))
    if "expires_in" in call:
        options["expires"] = datetime.now(timezone.utc) + timedelta(seconds=call["expires_in"])
    result = app.send_task(call["task"], args=call.get("args", []), kwargs=call.get("kwargs", {}), **options)
    print(json.dumps({"sent": result.id}), flush=True)
    sent.append((call, result))

for call, result in sent:
    mode = call.get("mode", "get")
    if mode == "send":
        continue
    out = {"id": result.id}
    if mode == "progress":
        deadline = time.monotonic() + timeout
        while result.state != "PROGRESS":
            if time.monotonic() > deadline or result.ready():
                break
            time.sleep(0.02)
        out["observed"] = {"state": result.state, "info": result.info}
        witness().set(call["gate"], "1", ex=60)
    try:
        out["result"] = result.get(timeout=timeout)
        out["state"] = result.state
        out["retries"] = result.retries
    except Exception as exc:  # the task's exception, rebuilt by Celery: reported to the test
        out["state"] = result.state
        out["exc_type"] = type(exc).__name__
        out["exc_module"] = type(exc).__module__
        out["exc_args"] = list(exc.args)
        out["traceback"] = result.traceback
    print(json.dumps(out), flush=True)
