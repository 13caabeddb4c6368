/**
 * Checking a broadcast's options and turning them into kombu's request: Celery's
 * `Mailbox._broadcast` rules (a `destination` is a list; `limit` defaults to its length;
 * `pattern` and `matcher` go together) with a one-line `ControlArgumentError` for
 * anything a worker could not act on.
 */
import { Pidbox, type ControlRequest } from '@celeriac/protocol';
import { ControlArgumentError } from '../errors.js';
import type { BroadcastCommandOptions } from './control-options.js';

/** A checked broadcast: the request to publish and how to wait for replies. */
export interface BroadcastPlan {
  request: ControlRequest;
  /** Milliseconds of silence that end the wait. */
  timeoutMs: number;
  /** Replies that end the wait early. */
  limit: number | undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

/**
 * The request for `command` with `options`, or a `ControlArgumentError` naming the bad
 * option. `ticket` is set when replies are awaited.
 */
export function planBroadcast(
  command: string,
  options: BroadcastCommandOptions,
  defaults: { timeoutMs: number; oid: string; ticket: string | undefined },
): BroadcastPlan {
  if (typeof command !== 'string' || command === '') {
    throw new ControlArgumentError(describe(command), 'the command must be a non-empty name');
  }
  const { pattern, matcher, limit } = options;
  const destination: unknown = options.destination;
  if (destination !== undefined) {
    if (!Array.isArray(destination)) {
      throw new ControlArgumentError(
        command,
        `destination must be a list of node names, got ${describe(destination)}`,
      );
    }
    const list: unknown[] = destination;
    if (list.length === 0 || list.some((node) => typeof node !== 'string' || node === '')) {
      throw new ControlArgumentError(
        command,
        `destination must list node names like 'celery@host', got ${describe(destination)}`,
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ControlArgumentError(
      command,
      `timeoutMs must be a positive number, got ${describe(timeoutMs)}`,
    );
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new ControlArgumentError(
      command,
      `limit must be a positive integer, got ${describe(limit)}`,
    );
  }
  if (matcher !== undefined && matcher !== 'glob' && matcher !== 'pcre') {
    throw new ControlArgumentError(
      command,
      `matcher must be 'glob' or 'pcre', got ${describe(matcher)}`,
    );
  }
  const args = options.arguments ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new ControlArgumentError(
      command,
      `arguments must be an object of keyword arguments, got ${describe(args)}`,
    );
  }
  const request: ControlRequest = {
    method: command,
    arguments: args,
    destination: options.destination === undefined ? null : [...options.destination],
    // kombu only filters on both; a lone pattern means a glob.
    pattern: pattern ?? null,
    matcher: pattern === undefined ? null : (matcher ?? 'glob'),
  };
  if (defaults.ticket !== undefined) {
    request.ticket = defaults.ticket;
    request.replyTo = { exchange: Pidbox.replyExchange, routingKey: defaults.oid };
  }
  return {
    request,
    timeoutMs,
    limit: limit ?? options.destination?.length,
  };
}
