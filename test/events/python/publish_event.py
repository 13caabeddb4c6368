"""Publish an event from Python: a plain task message `celeriac.publish(name, payload)`
to the `celeriac.events` queue (EV_EVENTS_QUEUE in tests), which a celeriac worker's
publish bridge fans out to the subscriptions. argv[1]: JSON {"name", "payload", "id"}.
Prints {"sent": id}."""
import json
import os
import sys

from events_app import app


def main():
    call = json.loads(sys.argv[1])
    queue = os.environ.get("EV_EVENTS_QUEUE", "celeriac.events")
    result = app.send_task("celeriac.publish", args=[call["name"], call["payload"]],
                           queue=queue, task_id=call["id"])
    print(json.dumps({"sent": result.id}), flush=True)


if __name__ == "__main__":
    main()
