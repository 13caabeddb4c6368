/**
 * Liveness and readiness of a running worker, read from its public handle, for the
 * `/livez` and `/readyz` probes: live unless its tree crashed (its supervisor gave up);
 * ready only while it runs and its consumer consumes — not while starting, degraded
 * (broker connection lost, consuming paused), or stopping.
 */
import type { Worker } from '@celeriac/worker';

/** A probe's answer. */
export interface ProbeResult {
  ok: boolean;
  /** One line for the response body. */
  detail: string;
}

/** The probes of `worker`. */
export interface WorkerProbes {
  live(): ProbeResult;
  ready(): ProbeResult;
}

/** Probes reading `worker`'s state and its consumer's. */
export function workerProbes(worker: Worker): WorkerProbes {
  return {
    live() {
      return worker.state === 'crashed'
        ? { ok: false, detail: `${worker.hostname} crashed` }
        : { ok: true, detail: `${worker.hostname} ${worker.state}` };
    },
    ready() {
      if (worker.state !== 'running') {
        return { ok: false, detail: `${worker.hostname} ${worker.state}` };
      }
      const consumer = worker.tree.consumerState;
      return consumer === 'consuming'
        ? { ok: true, detail: `${worker.hostname} consuming` }
        : { ok: false, detail: `${worker.hostname} running, consumer ${consumer}` };
    },
  };
}
