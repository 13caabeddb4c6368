"""Publish tasks with the Celery 5.2 client and print one JSON line per task sent.

Usage: send_tasks.py <spec.json>   where spec is a list of
  {"task": name, "args": [...], "kwargs": {...}, "options": {apply_async options}}
With "wait": true in an entry, also wait for its result (needs a result backend) and print it.
"""
import json
import sys

from interop import app

specs = json.loads(sys.argv[1])
pending = []
for spec in specs:
    result = app.send_task(spec['task'], args=spec.get('args', []), kwargs=spec.get('kwargs', {}),
                           **spec.get('options', {}))
    print(json.dumps({'sent': result.id, 'task': spec['task']}), flush=True)
    if spec.get('wait'):
        pending.append(result)
for result in pending:
    try:
        value = result.get(timeout=20)
        print(json.dumps({'id': result.id, 'status': result.status, 'result': value}), flush=True)
    except Exception as exc:  # the failure is the point of some tests
        print(json.dumps({'id': result.id, 'status': result.status, 'error': type(exc).__name__,
                          'message': str(exc)}), flush=True)
