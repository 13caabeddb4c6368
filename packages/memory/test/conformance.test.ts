import { resultBackendConformance, transportConformance } from '@celeriac/testing';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';

transportConformance('memory transport', () => {
  const broker = new MemoryBroker();
  return { createTransport: () => new MemoryTransport({ broker }), quietMs: 30 };
});

resultBackendConformance('memory result backend', () => {
  const store = new MemoryResultStore();
  return {
    createBackend: ({ expiresMs }) => new MemoryResultBackend({ store, expiresMs }),
    supportsExpiry: true,
    supportsDedup: true,
    expiresMs: 100,
  };
});
