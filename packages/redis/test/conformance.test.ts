import { PriorityOrder, transportConformance } from '@celeriac/testing';
import { createRedisTransport } from '@celeriac/redis';
import { REDIS_URL, deletePrefixed, testPrefix } from './redis-fixture.js';

transportConformance('redis transport', () => {
  const globalKeyprefix = testPrefix();
  return {
    createTransport: () => createRedisTransport(REDIS_URL, { globalKeyprefix }),
    cleanup: () => deletePrefixed(globalKeyprefix),
    priorityOrder: PriorityOrder.lowerFirst,
    priorities: [0, 9],
    quietMs: 150,
  };
});
