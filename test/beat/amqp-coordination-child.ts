/**
 * A beat replica's coordination in a process of its own, for
 * `amqp-coordination-paused.test.ts`: it takes the lease, then claims the runs it is told to
 * on stdin (`claim <runAt>`), printing one JSON line per answer.
 */
import { createInterface } from 'node:readline';
import { createAmqpBeatCoordination } from '@celeriac/amqp';

const coordination = createAmqpBeatCoordination(process.env.CHILD_URL ?? '', {
  namespace: process.env.CHILD_NAMESPACE ?? '',
  heartbeatSeconds: 1,
});
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const lease = await coordination.acquireLeadership('child', 60_000);
print({ lease });
for await (const line of createInterface({ input: process.stdin })) {
  const [command, runAt] = line.split(' ');
  if (command !== 'claim' || lease === undefined) continue;
  try {
    print({ claim: await coordination.claimRun(lease, { entry: 'e', runAt: Number(runAt) }) });
  } catch (error) {
    print({ error: String(error) });
  }
}
await coordination.close();
