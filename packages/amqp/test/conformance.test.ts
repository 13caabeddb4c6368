import { createAmqpTransport, createRpcResultBackend } from '@celeriac/amqp';
import type { AmqpLogger } from '@celeriac/amqp';
import { resultBackendConformance, transportConformance, uniqueName } from '@celeriac/testing';

const url = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const quiet: AmqpLogger = { warn: () => undefined };

transportConformance('amqp transport (RabbitMQ)', () => {
  // The suite deletes the queues it made, not the exchanges: remember every name it
  // draws and delete the exchanges among them afterwards.
  const names: string[] = [];
  return {
    createTransport: () => createAmqpTransport(url, { logger: quiet }),
    uniqueName: (prefix: string) => {
      const name = uniqueName(prefix);
      names.push(name);
      return name;
    },
    cleanup: async () => {
      await using admin = createAmqpTransport(url, { logger: quiet });
      for (const name of names) await admin.deleteExchange(name);
    },
    priorityOrder: 'higher-first',
    // AMQP has a fixed set of basic properties: these are the ones beside the named ones.
    extraProperties: { message_id: 'm-1', type: 'task', app_id: 'celeriac', user_id: 'guest' },
    quietMs: 150,
  };
});

// rpc:// keeps no stored state: no expiry of single results, no groups (Celery's rpc
// backend raises NotImplementedError for save_group too). Celery's reply body carries no
// date_done, which the suite compares, so the suite runs with `includeDateDone`; the
// Celery-exact default is checked in rpc-result-backend.test.ts and by the interop tests.
resultBackendConformance('rpc result backend (RabbitMQ)', () => ({
  createBackend: () =>
    createRpcResultBackend(url, { includeDateDone: true, transportOptions: { logger: quiet } }),
  supportsExpiry: false,
  supportsGroups: false,
  supportsForget: true,
  notifies: true,
}));
