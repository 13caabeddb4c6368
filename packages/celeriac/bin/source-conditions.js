// A module resolve hook (node:module register) for running the CLI from a checkout's
// sources: resolve workspace packages through their "@celeriac/source" export condition,
// i.e. to src/*.ts, as `node --conditions=@celeriac/source` would.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@celeriac/source')
    ? context.conditions
    : ['@celeriac/source', ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}
