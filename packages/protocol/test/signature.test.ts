import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  chainSignature,
  chordSignature,
  decodeSignature,
  encodeSignature,
  groupSignature,
  signature,
} from '@celeriac/protocol';

// Printed by Celery 5.2.6: kombu dumps() of app.signature(...), chain, group, chord.
const add =
  '{"task": "proj.add", "args": [1, 2], "kwargs": {}, "options": {"countdown": 5, "queue": "q1"}, "subtask_type": null, "immutable": false}';
const mul =
  '{"task": "proj.mul", "args": [3], "kwargs": {}, "options": {}, "subtask_type": null, "immutable": true}';
const tsum =
  '{"task": "proj.tsum", "args": [], "kwargs": {}, "options": {}, "subtask_type": null, "immutable": false}';
const PY = {
  add,
  chain: `{"task": "celery.chain", "args": [], "kwargs": {"tasks": [${add}, ${mul}]}, "options": {}, "subtask_type": "chain", "immutable": false}`,
  group: `{"task": "celery.group", "args": [], "kwargs": {"tasks": [${add}, ${mul}]}, "options": {}, "subtask_type": "group", "immutable": false}`,
  chord: `{"task": "celery.chord", "args": [], "kwargs": {"kwargs": {}, "header": [${add}, ${mul}], "body": ${tsum}}, "options": {}, "subtask_type": "chord", "immutable": false}`,
};

describe('signatures', () => {
  const a = signature({ task: 'proj.add', args: [1, 2], options: { countdown: 5, queue: 'q1' } });
  const m = signature({ task: 'proj.mul', args: [3], immutable: true });
  const s = signature({ task: 'proj.tsum' });

  it('encode exactly as Celery 5.2.6 prints them', () => {
    expect(encodeSignature(a)).toBe(PY.add);
    expect(encodeSignature(chainSignature([a, m]))).toBe(PY.chain);
    expect(encodeSignature(groupSignature([a, m]))).toBe(PY.group);
    expect(encodeSignature(chordSignature([a, m], s))).toBe(PY.chord);
  });

  it.each(Object.entries(PY))('%s decodes and re-encodes', (_, json) => {
    expect(encodeSignature(decodeSignature(JSON.parse(json)))).toBe(json);
  });

  it('accepts chord_size, a group header and missing keys with Celery defaults', () => {
    expect(decodeSignature({ task: 'x', chord_size: 3 })).toEqual({
      task: 'x',
      args: [],
      kwargs: {},
      options: {},
      subtask_type: null,
      immutable: false,
      chord_size: 3,
    });
    const chord = chordSignature([], s);
    chord.kwargs['header'] = groupSignature([a]);
    expect(decodeSignature(JSON.parse(encodeSignature(chord)))).toEqual(chord);
  });

  it.each([
    [[], 'signature', /expected a signature object/],
    [{ args: [] }, 'signature.task', /task name/],
    [{ task: 'x', args: {} }, 'signature.args', /array/],
    [{ task: 'x', kwargs: [] }, 'signature.kwargs', /object/],
    [{ task: 'x', options: 'q' }, 'signature.options', /object/],
    [{ task: 'x', subtask_type: 'map' }, 'signature.subtask_type', /chain, group, chord/],
    [{ task: 'x', immutable: 'no' }, 'signature.immutable', /boolean/],
    [{ task: 'celery.chain', subtask_type: 'chain', kwargs: {} }, 'signature.kwargs.tasks', /list/],
    [
      { task: 'celery.chord', subtask_type: 'chord', kwargs: { header: [{ task: 'a' }], body: 5 } },
      'signature.kwargs.body',
      /signature object/,
    ],
  ])('refuses %o at %s', (value, path, message) => {
    let error: unknown;
    try {
      decodeSignature(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).path).toBe(path);
    expect((error as Error).message).toMatch(message);
  });
});
