import { describe, expect, it } from 'vitest';
import { PyTuple, argsRepr, kwargsRepr, saferepr } from '@celeriac/protocol';
import { python } from './python-fixtures.js';

describe("saferepr (Celery's argsrepr/kwargsrepr)", () => {
  it.each(python.args.map((c) => [c.argsrepr.slice(0, 50), c] as const))(
    'argsRepr matches Python for %s',
    (_, c) => {
      expect(argsRepr(c.value)).toBe(c.argsrepr);
      expect(saferepr(c.value, 1024)).toBe(c.listrepr);
    },
  );
  it.each(python.kwargs.map((c) => [c.kwargsrepr.slice(0, 50), c] as const))(
    'kwargsRepr matches Python for %s',
    (_, c) => {
      expect(kwargsRepr(c.value)).toBe(c.kwargsrepr);
    },
  );
  it('prints tuples, Python scalars and quotes', () => {
    expect(saferepr(new PyTuple([2, 3]))).toBe('(2, 3)');
    expect(saferepr(new PyTuple(['a']))).toBe("('a',)");
    expect(saferepr({ a: true, b: null, c: "it's" })).toBe("{'a': True, 'b': None, 'c': 'it\\'s'}");
  });
  it('prints a bare scalar as Celery 5.2 does (values from its saferepr)', () => {
    const cases: [unknown, number | undefined, string][] = [
      [null, 1024, 'None'],
      [undefined, 1024, 'None'],
      [true, 1024, 'True'],
      [false, 1024, 'False'],
      [0, 1024, '0'],
      [-7, 1024, '-7'],
      [2 ** 53, 1024, '9007199254740992'],
      [1.5, 1024, '1.5'],
      [1e21, 1024, '1e+21'],
      ['x', 1024, "'x'"],
      ["it's", 1024, "'it\\'s'"],
      ['ééééé', 1024, "'ééééé'"],
      ['hello world', 5, "'hello...'"],
      [12345678, 3, '123...'],
    ];
    for (const [value, maxlen, repr] of cases) expect(saferepr(value, maxlen)).toBe(repr);
    const long = saferepr('a b '.repeat(300), 1024);
    expect(long.length).toBe(1028);
    expect(long.endsWith(" a b...'")).toBe(true);
  });
});
