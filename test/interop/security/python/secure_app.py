"""Celery 5.2 app with message signing on (`app.setup_security()`), for
test/interop/security/signed-tasks.test.ts. Configured from the environment:

  SEC_BROKER  redis://… broker (and result backend)
  SEC_PREFIX  kombu global_keyprefix, so tests share one Redis
  SEC_QUEUE   task_default_queue
  SEC_KEY     security_key (a path)
  SEC_CERT    security_certificate (a path)
  SEC_STORE   security_cert_store (a glob or folder)

`task_serializer = 'auth'` and `accept_content = ['auth']`: the worker runs only tasks
whose bodies are signed by a certificate in the store, and signs what it sends.
"""
import os

from celery import Celery

broker = os.environ["SEC_BROKER"]
app = Celery("secure_interop", broker=broker, backend=broker)
app.conf.update(
    broker_transport_options={"global_keyprefix": os.environ.get("SEC_PREFIX", "")},
    task_default_queue=os.environ.get("SEC_QUEUE", "celery"),
    security_key=os.environ["SEC_KEY"],
    security_certificate=os.environ["SEC_CERT"],
    security_cert_store=os.environ["SEC_STORE"],
    security_digest="sha256",
    task_serializer="auth",
    accept_content=["auth"],
    result_accept_content=["json"],
    result_serializer="json",
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
app.setup_security()


@app.task(name="sec.add")
def add(a, b):
    return a + b


@app.task(name="sec.echo")
def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}
