/**
 * The monitor's errors. Everything else it surfaces comes from the transport
 * (`TransportError`, `ConnectionLostError`) or the control client.
 */
import { CeleriacError } from '@celeriac/protocol';

/** Stable codes of the monitor's errors. */
export const MonitorErrorCode = {
  invalidState: 'ERR_MONITOR_STATE',
} as const;
/** One of the values of {@link MonitorErrorCode}. */
export type MonitorErrorCode = (typeof MonitorErrorCode)[keyof typeof MonitorErrorCode];

/** A lifecycle call made in a state that does not allow it (`start()` twice, …). */
export class InvalidStateError extends CeleriacError<MonitorErrorCode> {
  /** The state it was in. */
  readonly state: string;
  constructor(what: string, call: string, state: string) {
    super(MonitorErrorCode.invalidState, `cannot ${call} the ${what}: it is ${state}`);
    this.state = state;
  }
}
