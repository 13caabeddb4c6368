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
});
