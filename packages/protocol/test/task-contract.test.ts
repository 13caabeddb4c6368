import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  ValidationError,
  defineTask,
  type ArgsOf,
  type KwargsOf,
  type ResultOf,
} from '@celeriac/protocol';

const add = defineTask('proj.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
  options: { queue: 'math', acksLate: true, maxRetries: 5, rateLimit: '10/s', timeLimit: 30 },
});

const sendEmail = defineTask({
  name: 'shop.send_email',
  args: z.tuple([z.email()]),
  kwargs: z.object({ template: z.string(), when: z.iso.datetime().optional() }),
  result: z.object({ messageId: z.string() }),
});

function catchValidation(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('defineTask', () => {
  it('carries the name, options and types', () => {
    expect(add.name).toBe('proj.add');
    expect(add.options).toEqual({
      queue: 'math',
      acksLate: true,
      maxRetries: 5,
      rateLimit: '10/s',
      timeLimit: 30,
    });
    expect(sendEmail.name).toBe('shop.send_email');
    expectTypeOf<ArgsOf<typeof add>>().toEqualTypeOf<[number, number]>();
    expectTypeOf<ResultOf<typeof add>>().toEqualTypeOf<number>();
    expectTypeOf<KwargsOf<typeof sendEmail>>().toEqualTypeOf<{
      template: string;
      when?: string | undefined;
    }>();
    expectTypeOf<ResultOf<typeof sendEmail>>().toEqualTypeOf<{ messageId: string }>();
  });

  it('parses valid arguments and results', () => {
    expect(add.parseArgs([1, 2])).toEqual({ args: [1, 2], kwargs: {} });
    expect(sendEmail.parseArgs(['a@b.co'], { template: 'welcome' }).kwargs.template).toBe(
      'welcome',
    );
    expect(add.parseResult(3)).toBe(3);
  });

  it('lists every issue with its path', () => {
    const error = catchValidation(() => add.parseArgs([1, '2']));
    expect(error.code).toBe('ERR_VALIDATION');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'Invalid arguments for task proj.add: args[1]: expected number, received string',
    );
    const both = catchValidation(() => sendEmail.parseArgs(['nope'], { template: 3 }));
    expect(both.issues.map((i) => i.path)).toEqual(['args[0]', 'kwargs.template']);
    expect(both.message).toMatch(/args\[0\]: .*email.*; kwargs\.template: expected string/);
    expect(catchValidation(() => add.parseArgs([1])).issues[0]?.path).toBe('args');
    expect(catchValidation(() => add.parseArgs('x')).message).toMatch(/args: expected tuple/);
  });

  it('validates results', () => {
    expect(catchValidation(() => sendEmail.parseResult({ messageId: 1 })).message).toBe(
      'Invalid result of task shop.send_email: result.messageId: expected string, received number',
    );
  });

  it('defaults to any JSON when schemas are left out', () => {
    const loose = defineTask('proj.anything');
    expect(loose.parseArgs([1, 'a', null], { k: [] })).toEqual({
      args: [1, 'a', null],
      kwargs: { k: [] },
    });
    expect(() => loose.parseArgs({}, [])).toThrow(ValidationError);
    expect(() => defineTask('')).toThrow(TypeError);
  });
});
