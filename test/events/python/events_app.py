"""Celery 5.2 app for test/events/events-python.test.ts: a Python subscriber of celeriac
events, and a Python publisher. Configured from the environment:

  EV_BROKER        redis://… or amqp://… broker
  EV_BACKEND       redis://… result backend; default the broker
  EV_PREFIX        kombu global_keyprefix on a Redis broker, so tests share one Redis
  EV_EVENTS_QUEUE  where `celeriac.publish` goes; default `celeriac.events`

A subscriber is a plain task taking the payload; the `celeriac_message` header (which
message, which subscription) is on `self.request`.
"""
import os

from celery import Celery

broker = os.environ["EV_BROKER"]
app = Celery("events_interop", broker=broker, backend=os.environ.get("EV_BACKEND", broker))
app.conf.update(
    broker_transport_options=(
        {"global_keyprefix": os.environ["EV_PREFIX"]} if os.environ.get("EV_PREFIX") else {}
    ),
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
