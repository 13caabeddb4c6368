"""Celery 5.2's own cluster state (celery.events.state.State) over a recorded event stream.

argv[1]: a file of JSON lines, one batch (a list of events) per line, as a receiver hands
them over. Prints one JSON line: events applied, seconds, tasks and workers kept.
"""
import json
import sys
import time

from celery.events.state import State

with open(sys.argv[1]) as f:
    batches = [json.loads(line) for line in f]
state = State()  # max_tasks_in_memory=10000, as the monitor's default
start = time.perf_counter()
count = 0
for batch in batches:
    for event in batch:
        state.event(event)
        count += 1
elapsed = time.perf_counter() - start
print(json.dumps({"events": count, "seconds": elapsed, "tasks": len(state.tasks), "workers": len(state.workers)}))
