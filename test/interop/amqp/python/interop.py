"""Tiny Celery 5.2 app for celeriac's AMQP interop tests.

Configured from the environment so each test uses its own queues and result keys:
  CELERIAC_BROKER_URL       amqp://guest:guest@127.0.0.1:5672//
  CELERIAC_RESULT_BACKEND   rpc:// or redis://127.0.0.1:6379/0 (default: disabled)
  CELERIAC_KEY_PREFIX       global_keyprefix for the Redis result backend
"""
import os

from celery import Celery

app = Celery('interop')
app.conf.update(
    broker_url=os.environ.get('CELERIAC_BROKER_URL', 'amqp://guest:guest@127.0.0.1:5672//'),
    result_backend=os.environ.get('CELERIAC_RESULT_BACKEND') or None,
    result_backend_transport_options={'global_keyprefix': os.environ.get('CELERIAC_KEY_PREFIX', '')},
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
if os.environ.get('CELERIAC_MAX_PRIORITY'):
    app.conf.task_queue_max_priority = int(os.environ['CELERIAC_MAX_PRIORITY'])


@app.task(name='interop.add')
def add(x, y):
    return x + y


@app.task(name='interop.echo')
def echo(*args, **kwargs):
    return {'args': list(args), 'kwargs': kwargs}


@app.task(name='interop.fail')
def fail(message):
    raise ValueError(message)
