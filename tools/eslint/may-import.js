// The may-import rules of DESIGN.md, enforced in lint: a file under packages/<dir>/src may
// import only its own package (by relative path), the packages its row allows, and Node
// built-ins (pure packages only the computational ones). Tests, examples and test/ are free.
import path from 'node:path';

/** DESIGN.md "May-import rules", keyed by the folder under packages/. */
export const MAY_IMPORT = {
  protocol: ['zod'],
  actors: ['xstate', '@opentelemetry/api'],
  client: ['@celeriac/protocol', '@opentelemetry/api'],
  memory: ['@celeriac/protocol', '@opentelemetry/api'],
  redis: ['@celeriac/protocol', 'ioredis', '@opentelemetry/api'],
  amqp: ['@celeriac/protocol', 'amqplib', '@opentelemetry/api'],
  worker: ['@celeriac/protocol', '@celeriac/actors', '@celeriac/client', '@opentelemetry/api'],
  beat: [
    '@celeriac/protocol',
    '@celeriac/actors',
    '@celeriac/client',
    'croner',
    '@opentelemetry/api',
  ],
  monitor: ['@celeriac/protocol', '@celeriac/client', '@opentelemetry/api'],
  // The browser UI (ui/) is bundled at build time and not under src/; preact and uplot are
  // listed for src/ all the same, as its UI libraries.
  dashboard: [
    '@celeriac/protocol',
    '@celeriac/client',
    '@celeriac/monitor',
    'hono',
    '@hono/node-server',
    'preact',
    'uplot',
  ],
  // "everything above", plus tsx so that `celeriac worker --app ./app.ts` loads TypeScript,
  // commander for the command line, and the OpenTelemetry SDK the CLI installs.
  celeriac: [
    '@celeriac/protocol',
    '@celeriac/actors',
    '@celeriac/client',
    '@celeriac/monitor',
    '@celeriac/beat',
    '@celeriac/dashboard',
    '@celeriac/worker',
    '@celeriac/memory',
    '@celeriac/redis',
    '@celeriac/amqp',
    '@opentelemetry/api',
    '@opentelemetry/sdk-node',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/resources',
    '@opentelemetry/exporter-prometheus',
    '@opentelemetry/exporter-metrics-otlp-http',
    '@opentelemetry/exporter-metrics-otlp-proto',
    'tsx',
    'commander',
  ],
  // The conformance suites are vitest suites over the interfaces of protocol.
  testing: ['@celeriac/protocol', '@opentelemetry/api', 'vitest'],
};

/** Packages with no I/O of their own get only the computational built-ins. */
const PURE = new Set(['protocol', 'actors', 'client', 'monitor']);
const PURE_BUILTINS = new Set([
  'node:buffer',
  'node:crypto',
  'node:events',
  'node:util',
  'node:zlib',
  'node:timers',
  'node:timers/promises',
  'node:async_hooks',
]);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the may-import table of DESIGN.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const rel = path.relative(context.cwd, file).split(path.sep).join('/');
    const match = /^packages\/([^/]+)\/src\//.exec(rel);
    if (!match) return {};
    const pkg = match[1];
    const allowed = MAY_IMPORT[pkg];
    const pkgRoot = path.join(context.cwd, 'packages', pkg);

    function check(node, source) {
      if (typeof source !== 'string') return;
      let problem;
      if (source.startsWith('.')) {
        const target = path.resolve(path.dirname(file), source);
        if (!target.startsWith(pkgRoot + path.sep)) {
          problem = `reaches outside packages/${pkg}; import the other package by name`;
        }
      } else if (source.startsWith('node:')) {
        if (PURE.has(pkg) && !PURE_BUILTINS.has(source)) {
          problem = `@celeriac/${pkg} has no I/O of its own; '${source}' is not allowed here`;
        }
      } else if (!allowed) {
        problem = `packages/${pkg} has no row in the may-import table (tools/eslint/may-import.js)`;
      } else if (!allowed.includes(packageName(source))) {
        problem = `packages/${pkg} may import only ${allowed.join(', ')} (DESIGN.md may-import rules)`;
      }
      if (problem) {
        context.report({ node, message: `Import of '${source}' is forbidden: ${problem}.` });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { 'may-import': rule } };
