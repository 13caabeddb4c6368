"""Send signed tasks from Python (the app of secure_app.py, `task_serializer = 'auth'`)
without waiting for them: argv[1] is a JSON list of {"task", "args", "kwargs", "id"}.
Prints {"sent": id} per task."""
import json
import sys

from secure_app import app


def main():
    for call in json.loads(sys.argv[1]):
        result = app.send_task(call["task"], args=call.get("args", []),
                               kwargs=call.get("kwargs", {}), task_id=call.get("id"))
        print(json.dumps({"sent": result.id}), flush=True)


if __name__ == "__main__":
    main()
