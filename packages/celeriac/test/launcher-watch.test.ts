import { describe, expect, it } from 'vitest';
import { watchLauncher } from '../src/cli/launcher-watch.js';
import type { LauncherGone } from '../src/cli/launcher-watch.js';
import { maskUrl } from '../src/mask-url.js';

/** A fake process table: the worker's parent (a shell, 200) and the shell's parent (npm, 100). */
function table() {
  const t = { parent: 200, shellParent: 100 as number | undefined };
  return {
    t,
    options: {
      underPackageManager: true,
      intervalMs: 5,
      parentPid: () => t.parent,
      parentOf: (pid: number) => (pid === 200 ? t.shellParent : undefined),
    },
  };
}

function next(options: Parameters<typeof watchLauncher>[1]) {
  let stop = () => {};
  const gone = new Promise<LauncherGone>((resolve) => (stop = watchLauncher(resolve, options)));
  return { gone, stop: () => stop() };
}

describe('watchLauncher', () => {
  it('asks for a warm shutdown when the shell that npm signalled is gone', async () => {
    const { t, options } = table();
    const { gone } = next(options);
    t.parent = 1; // reparented to init
    t.shellParent = undefined;
    expect(await gone).toMatchObject({ mode: 'warm' });
  });

  it('asks for a cold shutdown when npm died and the shell lives on', async () => {
    const { t, options } = table();
    const { gone } = next(options);
    t.shellParent = 1;
    expect(await gone).toMatchObject({ mode: 'cold' });
  });

  it('does nothing outside a package manager, or while the launcher lives', async () => {
    const calls: LauncherGone[] = [];
    const { t, options } = table();
    const stopOutside = watchLauncher((g) => calls.push(g), {
      ...options,
      underPackageManager: false,
    });
    const stopInside = watchLauncher((g) => calls.push(g), options);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toEqual([]);
    stopInside();
    t.parent = 1;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toEqual([]); // stopped watching
    stopOutside();
  });
});

describe('maskUrl', () => {
  it('masks passwords in every URL of a list and in the query', () => {
    expect(maskUrl('redis://:secret@h:6379/0')).toBe('redis://:****@h:6379/0');
    expect(maskUrl('amqp://guest:guest@a//;amqp://guest:guest@b//')).toBe(
      'amqp://guest:****@a//;amqp://guest:****@b//',
    );
    expect(maskUrl('rediss://user:p%40ss@h/1?ssl_cert_reqs=required&password=x')).toBe(
      'rediss://user:****@h/1?ssl_cert_reqs=required&password=****',
    );
    expect(maskUrl('redis://h:6379/0')).toBe('redis://h:6379/0');
    expect(maskUrl('amqp://guest@h//')).toBe('amqp://guest@h//');
  });
});
