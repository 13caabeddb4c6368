import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { commandArguments } from '../src/cli/remote-commands.js';

describe('remote-control arguments, Celery’s positional way', () => {
  it('maps words onto the wire arguments', () => {
    expect(commandArguments('control', 'rate_limit', ['proj.add', '10/m'])).toEqual({
      task_name: 'proj.add',
      rate_limit: '10/m',
    });
    expect(commandArguments('control', 'time_limit', ['proj.add', '5', '10'])).toEqual({
      task_name: 'proj.add',
      soft: 5,
      hard: 10,
    });
    expect(commandArguments('control', 'revoke', ['a', 'b'])).toEqual({ task_id: ['a', 'b'] });
    expect(commandArguments('control', 'terminate', ['SIGKILL', 'a'])).toEqual({
      signal: 'SIGKILL',
      task_id: ['a'],
    });
    expect(commandArguments('control', 'pool_grow', [])).toEqual({});
    expect(commandArguments('control', 'autoscale', ['10', '2'])).toEqual({ max: 10, min: 2 });
    expect(commandArguments('control', 'add_consumer', ['email'])).toEqual({ queue: 'email' });
    expect(commandArguments('inspect', 'query_task', ['x', 'y'])).toEqual({ ids: ['x', 'y'] });
    expect(commandArguments('inspect', 'registered', [])).toEqual({ taskinfoitems: [] });
    expect(commandArguments('inspect', 'conf', ['true'])).toEqual({ with_defaults: true });
  });

  it('refuses what does not fit, saying what the command takes', () => {
    expect(() => commandArguments('control', 'rate_limit', ['proj.add'])).toThrow(
      new UsageError('control rate_limit takes <task_name> <rate_limit (e.g. 5/s | 5/m | 5/h)>'),
    );
    expect(() => commandArguments('control', 'revoke', [])).toThrow(/takes <id…>/);
    expect(() => commandArguments('inspect', 'ping', ['x'])).toThrow(/takes no arguments/);
    expect(() => commandArguments('control', 'pool_grow', ['two'])).toThrow(/N must be an integer/);
    expect(() => commandArguments('control', 'frob', [])).toThrow(/unknown control command "frob"/);
  });
});
