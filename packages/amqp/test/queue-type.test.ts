import { celeryReplyQueue, celeryTaskQueue, withDefaultQueueType } from '@celeriac/amqp';
import { describe, expect, it } from 'vitest';

describe('defaultQueueType: quorum (Celery 5.5’s task_default_queue_type)', () => {
  it('makes durable task queues quorum queues, and leaves what cannot be one classic', () => {
    expect(withDefaultQueueType({ name: 'celery' }, 'quorum')).toEqual({
      name: 'celery',
      quorum: true,
    });
    expect(withDefaultQueueType(celeryTaskQueue('celery').queue, 'quorum').quorum).toBe(true);
    for (const spec of [
      celeryReplyQueue('r').queue,
      { name: 'p', maxPriority: 10 },
      { name: 'a', autoDelete: true },
      { name: 'x', exclusive: true },
      { name: 't', durable: false },
      { name: 'c', quorum: false },
    ]) {
      expect(withDefaultQueueType(spec, 'quorum').quorum).not.toBe(true);
    }
    expect(withDefaultQueueType({ name: 'celery' }, 'classic')).toEqual({ name: 'celery' });
  });
});
