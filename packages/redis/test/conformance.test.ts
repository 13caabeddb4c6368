import { PriorityOrder, resultBackendConformance, transportConformance } from '@celeriac/testing';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
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

resultBackendConformance('redis result backend', () => {
  const keyPrefix = testPrefix();
  return {
    createBackend: ({ expiresMs }) =>
      createRedisResultBackend(REDIS_URL, {
        keyPrefix,
        ...(expiresMs === undefined ? {} : { expiresMs }),
      }),
    cleanup: () => deletePrefixed(keyPrefix),
    supportsExpiry: true,
    expiresMs: 1000,
    supportsDedup: true,
  };
});
