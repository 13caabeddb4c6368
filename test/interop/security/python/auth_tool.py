"""Celery 5.2's `auth` serializer as a tool for the interop tests.

Reads {"jobs": [...]} from the JSON file named by its argument and prints the list of
results as one JSON line. Jobs:

  {"op": "id", "cert": PEM}                        -> {"id": Certificate(PEM).get_id()}
  {"op": "dumps", "data", "key", "cert", "digest"?} -> {"content_type", "content_encoding", "body"}
  {"op": "loads", "body", "content_type", "content_encoding", "store", "digest"?}
                                                   -> {"data"} or {"error", "message"}

`dumps` and `loads` go through kombu's serializer registry after `register_auth`, the
code path a Celery producer and worker take with `task_serializer = 'auth'` and
`accept_content = ['auth']`.
"""
import json
import sys

from celery.exceptions import SecurityError
from celery.security.certificate import Certificate
from celery.security.serialization import register_auth
from kombu.exceptions import ContentDisallowed, DecodeError
from kombu.serialization import dumps, loads


def run(job):
    op = job["op"]
    if op == "id":
        return {"id": Certificate(job["cert"]).get_id()}
    if op == "dumps":
        register_auth(job["key"], job["cert"], job.get("store"),
                      job.get("digest", "sha256"))
        content_type, content_encoding, body = dumps(job["data"], serializer="auth")
        if isinstance(body, bytes):
            body = body.decode("ascii")
        return {"content_type": content_type, "content_encoding": content_encoding,
                "body": body}
    if op == "loads":
        try:
            register_auth(None, None, job["store"], job.get("digest", "sha256"))
            data = loads(job["body"].encode("latin-1"), job["content_type"],
                         job["content_encoding"], accept={"application/data"})
            return {"data": data}
        except (SecurityError, ContentDisallowed, DecodeError) as exc:
            return {"error": type(exc).__name__, "message": str(exc)}
    raise ValueError(f"unknown op {op!r}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    print(json.dumps({"results": [run(job) for job in request["jobs"]]}))


if __name__ == "__main__":
    main()
