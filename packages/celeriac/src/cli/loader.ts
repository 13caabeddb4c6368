/**
 * How this CLI process loads code, and what a thread or child process of the worker's
 * pool needs to load the app module the same way. The bin decides once (compiled `dist/`,
 * or the TypeScript sources of a checkout not built yet) and tells {@link run}.
 */
let fromSource = false;
let tsxRegistered = false;

/** Record how the bin started this process (called once, by `run`). */
export function setLoadedFromSource(value: boolean): void {
  fromSource = value;
  // The bin registers tsx itself to run the sources.
  if (value) tsxRegistered = true;
}

/**
 * Make `import()` of TypeScript files work in this process (idempotent). tsx loads only
 * then: a compiled app never pays for it.
 */
export async function ensureTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

/** True for `.ts`, `.mts`, `.cts`, `.tsx` paths. */
export function isTypeScript(file: string): boolean {
  return /\.(c|m)?tsx?$/.test(file);
}

/**
 * Node flags for the worker's thread and process units (`unitExecArgv`): tsx's loader
 * when the app is TypeScript or the CLI runs from sources, and the source condition in
 * the latter case. Specifiers are absolute, so they resolve wherever the app lives.
 */
export function unitExecArgv(appIsTypeScript: boolean): string[] {
  const argv: string[] = [];
  if (fromSource) argv.push('--conditions=@celeriac/source');
  if (fromSource || appIsTypeScript) argv.push('--import', import.meta.resolve('tsx'));
  return argv;
}
