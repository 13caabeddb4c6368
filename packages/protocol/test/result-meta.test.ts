import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  RemoteTaskError,
  TaskState,
  decodeResultMeta,
  encodeResultMeta,
  errorToExceptionInfo,
  formatDateDone,
  formatIsoDate,
  formatTraceback,
  notRegisteredInfo,
  parseIsoDate,
  parseResultMeta,
  pendingResultMeta,
  resultMetaError,
  serializeResultMeta,
  softTimeLimitExceededInfo,
  taskRevokedInfo,
  timeLimitExceededInfo,
  workerLostInfo,
} from '@celeriac/protocol';
import { python } from './python-fixtures.js';
import { readSample, sampleNames, storedResults } from './samples.js';

const stored = (['results', 'results-extended'] as const).flatMap((folder) =>
  sampleNames(`redis/${folder}`).flatMap((name) =>
    storedResults(folder, name).map((raw, i) => [`${folder}/${name}#${i}`, raw] as const),
  ),
);

describe('result meta against captured Celery 5.2.6 results', () => {
  it('has samples to check', () => {
    expect(stored.length).toBeGreaterThan(20);
  });

  it.each(stored)('%s decodes and re-encodes byte for byte', (_, raw) => {
    const meta = parseResultMeta(raw);
    expect(meta.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(serializeResultMeta(meta)).toBe(raw);
    expect(encodeResultMeta(meta)).toEqual(JSON.parse(raw));
    expect(Object.keys(encodeResultMeta(meta))).toEqual(Object.keys(JSON.parse(raw) as object));
  });

  it('turns a FAILURE into ExceptionInfo and a RemoteTaskError', () => {
    const raw = stored.find(([name]) => name === 'results/fail#0')![1];
    const meta = parseResultMeta(raw);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toEqual({
      excType: 'ValueError',
      excMessage: ['boom'],
      excModule: 'builtins',
    });
    const error = resultMetaError(meta)!;
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error.code).toBe('ERR_REMOTE_TASK');
    expect(error.retryable).toBe(false);
    expect(error.excType).toBe('ValueError');
    expect(error.excMessage).toEqual(['boom']);
    expect(error.traceback).toContain('ValueError: boom');
    expect(error.message).toBe(`ValueError: boom (task ${meta.taskId})`);
    expect(resultMetaError({ ...meta, status: 'SUCCESS', result: 1 })).toBeUndefined();
  });
});

describe('encodeResultMeta', () => {
  it('writes the extended and parent fields in Celery order, task_id last', () => {
    const json = encodeResultMeta({
      taskId: 't',
      status: TaskState.SUCCESS,
      result: 5,
      traceback: null,
      children: [],
      dateDone: '2026-11-23T21:17:04.938914',
      queue: 'q',
      parentId: 'p',
      name: 'proj.add',
      groupId: 'g',
      args: [2, 3],
      kwargs: {},
      worker: 'w@h',
      retries: 0,
    });
    expect(Object.keys(json)).toEqual([
      'status',
      'result',
      'traceback',
      'children',
      'date_done',
      'group_id',
      'parent_id',
      'name',
      'args',
      'kwargs',
      'worker',
      'retries',
      'queue',
      'task_id',
    ]);
  });

  it('encodes an Error or ExceptionInfo result in exception states', () => {
    const failure = encodeResultMeta({
      ...pendingResultMeta('t'),
      status: TaskState.FAILURE,
      result: new TypeError('bad'),
    });
    expect(failure.result).toEqual({
      exc_type: 'TypeError',
      exc_message: ['bad'],
      exc_module: 'builtins',
    });
    const revoked = encodeResultMeta({
      ...pendingResultMeta('t'),
      status: TaskState.REVOKED,
      result: taskRevokedInfo('expired'),
    });
    expect(revoked.result).toEqual({
      exc_type: 'TaskRevokedError',
      exc_message: ['expired'],
      exc_module: 'celery.exceptions',
    });
    // A custom state's meta is plain JSON, even if it looks like an exception.
    const progress = encodeResultMeta({
      ...pendingResultMeta('t'),
      status: 'PROGRESS',
      result: { done: 1 },
    });
    expect(progress.result).toEqual({ done: 1 });
  });
});

describe('decodeResultMeta refusals', () => {
  it.each([
    [null, 'result', /expected object/],
    [{ result: 1, task_id: 't' }, 'result.status', /expected string/],
    [{ status: 'SUCCESS', task_id: 't', retries: 'x' }, 'result.retries', /expected number/],
    [{ status: 'SUCCESS', task_id: 't', children: {} }, 'result.children', /expected array/],
    [{ status: 'SUCCESS', task_id: 't', date_done: 5 }, 'result.date_done', /expected string/],
    [{ status: 'SUCCESS' }, 'result.task_id', /missing/],
  ])('%o → DecodeError at %s', (json, path, message) => {
    let error: unknown;
    try {
      decodeResultMeta(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).path).toBe(path);
    expect((error as Error).message).toMatch(message);
  });

  it('takes the task id from the options (rpc replies) and tolerates old string messages', () => {
    const meta = decodeResultMeta(
      { status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: 'k' } },
      { taskId: 'from-correlation' },
    );
    expect(meta.taskId).toBe('from-correlation');
    expect(meta.result).toEqual({ excType: 'KeyError', excMessage: ['k'], excModule: 'builtins' });
  });
});

describe('exceptions', () => {
  it('maps JavaScript errors to names a Python client can rebuild', () => {
    expect(errorToExceptionInfo(new TypeError('t'))).toEqual({
      excType: 'TypeError',
      excMessage: ['t'],
      excModule: 'builtins',
    });
    expect(errorToExceptionInfo(new RangeError('r'))).toEqual({
      excType: 'RangeError',
      excMessage: ['r'],
      excModule: 'celery.exceptions',
    });
    class PaymentDeclined extends Error {
      override name = 'PaymentDeclined';
    }
    expect(errorToExceptionInfo(new PaymentDeclined('no'))).toEqual({
      excType: 'PaymentDeclined',
      excMessage: ['no'],
      excModule: 'celery.exceptions',
    });
    const custom = Object.assign(new Error('x'), {
      excType: 'Ignore',
      excModule: 'celery.exceptions',
      excArgs: [],
    });
    expect(errorToExceptionInfo(custom)).toEqual({
      excType: 'Ignore',
      excMessage: [],
      excModule: 'celery.exceptions',
    });
    expect(errorToExceptionInfo('plain string')).toEqual({
      excType: 'Exception',
      excMessage: ['plain string'],
      excModule: 'builtins',
    });
  });

  it('formats a traceback with causes', () => {
    const error = new Error('outer', { cause: new Error('inner') });
    const text = formatTraceback(error);
    expect(text.indexOf('Error: inner')).toBeLessThan(text.indexOf('Error: outer'));
    expect(text).toContain('direct cause');
  });

  it('builds the special exceptions Celery stores', () => {
    expect(notRegisteredInfo('proj.nosuch')).toEqual({
      excType: 'NotRegistered',
      excMessage: ['proj.nosuch'],
      excModule: 'celery.exceptions',
    });
    expect(taskRevokedInfo('terminated').excMessage).toEqual(['terminated']);
    expect(timeLimitExceededInfo(30)).toEqual({
      excType: 'TimeLimitExceeded',
      excMessage: [30],
      excModule: 'billiard.exceptions',
    });
    expect(softTimeLimitExceededInfo().excModule).toBe('billiard.exceptions');
    expect(workerLostInfo('signal 9 (SIGKILL) Job: 3').excMessage).toEqual([
      'Worker exited prematurely: signal 9 (SIGKILL) Job: 3.',
    ]);
    const revoked = resultMetaError({
      ...pendingResultMeta('t'),
      status: 'REVOKED',
      result: null,
    })!;
    expect(revoked.excType).toBe('TaskRevokedError');
    expect(revoked.message).toBe('celery.exceptions.TaskRevokedError: revoked (task t)');
  });
});

describe('dates', () => {
  it('formats like Python isoformat (aware eta/expires, naive date_done)', () => {
    for (const d of python.dates) {
      expect(formatIsoDate(new Date(d.ms))).toBe(d.isoformat);
      expect(formatDateDone(new Date(d.ms))).toBe(d.naive);
    }
  });

  it.each([
    ['2026-11-23T20:39:46.269542+00:00', Date.UTC(2026, 10, 23, 20, 39, 46, 269)],
    ['2026-11-23T20:39:46Z', Date.UTC(2026, 10, 23, 20, 39, 46)],
    ['2026-11-23T20:39:46.5', Date.UTC(2026, 10, 23, 20, 39, 46, 500)],
    ['2026-11-23T21:39:46+01:00', Date.UTC(2026, 10, 23, 20, 39, 46)],
    ['2026-11-23T15:39:46-0500', Date.UTC(2026, 10, 23, 20, 39, 46)],
    ['2026-11-23 20:39', Date.UTC(2026, 10, 23, 20, 39)],
    ['2026-11-23', Date.UTC(2026, 10, 23)],
  ])('parses %s', (text, ms) => {
    expect(parseIsoDate(text, 'headers.eta').getTime()).toBe(ms);
  });

  it.each(['tomorrow', '2026-13-01T00:00:00', '2026-02-30', '2026-11-23T25:00:00', 5])(
    'refuses %o naming the field',
    (text) => {
      expect(() => parseIsoDate(text, 'headers.eta')).toThrow(/^headers\.eta: /);
    },
  );
});

describe('custom state meta', () => {
  it('keeps a PROGRESS meta as plain JSON and re-encodes it byte for byte', () => {
    const sample = readSample<{ progress_meta: { raw: string } }>('redis/inflight', 'progress');
    const meta = parseResultMeta(sample.progress_meta.raw);
    expect(meta.status).toBe('PROGRESS');
    expect(meta.result).toEqual({ i: 0 });
    expect(serializeResultMeta(meta)).toBe(sample.progress_meta.raw);
  });
});
