/* global process, console, setInterval, clearInterval */
// The dashboard process of `dashboard.bench.ts`, as a user runs it: plain JavaScript on
// the packages' built dist/ (no TypeScript loader in the process, whose hooks thread
// would add its own heap to the RSS measured). `startDashboard` on the Redis at
// REDIS_URL on a free port; prints `url <url>`, then `mem <json>` every 500 ms.
import { startDashboard } from '@celeriac/dashboard';
import { createRedisTransport } from '@celeriac/redis';

const transport = createRedisTransport(process.env.REDIS_URL);
const dashboard = await startDashboard({
  transport,
  port: 0,
  ...(process.env.MAX_TASKS ? { maxTasks: Number(process.env.MAX_TASKS) } : {}),
  logger: { info: () => undefined, warn: (m) => console.error(m) },
});
console.log(`url ${dashboard.url}`);
const timer = setInterval(() => console.log(`mem ${JSON.stringify(process.memoryUsage())}`), 500);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void dashboard
    .close()
    .then(() => transport.close())
    .finally(() => process.exit(0));
});
