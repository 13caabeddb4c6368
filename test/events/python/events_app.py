"""Celery 5.2 app for test/events/events-python.test.ts: a Python subscriber of celeriac
events, and a Python publisher. Configured from the environment:

  EV_BROKER  redis://… broker and result backend
  EV_PREFIX  kombu global_keyprefix, so tests share one Redis

A subscriber is a plain task taking the payload; the `celeriac_message` header (which
message, which subscription) is on `self.request`.
"""
import os

from celery import Celery

broker = os.environ["EV_BROKER"]
app = Celery("events_interop", broker=broker, backend=broker)
app.conf.update(
    broker_transport_options={"global_keyprefix": os.environ.get("EV_PREFIX", "")},
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="py.email.order_confirmation", bind=True)
def email_confirmation(self, order):
    return {"to": order["email"], "order": order["orderId"],
            "message": getattr(self.request, "celeriac_message", None)}
