/**
 * The leader's loop, for one term: renew the lease every `renewEveryMs`, send what is due,
 * sleep until the next run or renewal. The term ends when the store says it is over (a
 * renewal answered false, a claim was fenced), when it lapses here because the store could
 * not be reached for `leaseMs` (the store's lease lapses no earlier), or when the beat
 * stops — then it is released so another replica takes over at once.
 */
import type { BeatCore } from './beat-core.js';
import { BeatRole } from './beat-core.js';
import type { Granted } from './follower.js';
import { leadershipSpan } from './telemetry.js';
import { Term } from './term.js';
import { within } from './wait.js';

/** Why a term ended. */
export type TermEnd = 'lost' | 'lapsed' | 'stopped';

/** How long a stopping leader waits for the store to take its release, in ms. */
const RELEASE_TIMEOUT_MS = 2_000;

/** Lead for one term; resolves with why it ended. */
export async function lead(
  core: BeatCore,
  granted: Granted,
  signal: AbortSignal,
): Promise<TermEnd> {
  const term = new Term(core, granted.lease, granted.grantedAt);
  const { logger } = core;
  const info = { namespace: core.namespace, holder: core.holder, epoch: granted.lease.epoch };
  core.role = BeatRole.leader;
  logger.info(`beat: ${core.holder} leads ${core.namespace} (epoch ${granted.lease.epoch})`, info);
  leadershipSpan(core.tracer, 'acquired', info);
  let end: TermEnd = 'stopped';
  try {
    end = await loop(core, term, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    term.abandon();
    core.role = end === 'stopped' ? undefined : BeatRole.follower;
    if (end === 'stopped') await release(core, term);
    leadershipSpan(core.tracer, end === 'stopped' ? 'released' : 'lost', info);
    if (end !== 'stopped') {
      logger.warn(
        end === 'lost'
          ? `beat: ${core.holder} lost leadership of ${core.namespace} (epoch ${term.lease.epoch} is over)`
          : `beat: ${core.holder} gave up leadership of ${core.namespace}: the store was unreachable for the whole lease`,
        info,
      );
    }
  }
  return end;
}

async function loop(core: BeatCore, term: Term, signal: AbortSignal): Promise<TermEnd> {
  const { clock, timing } = core;
  for (;;) {
    let now = clock.now();
    if (now >= term.validUntil) return 'lapsed';
    if (now >= term.renewAt) {
      const renewed = await term.renew();
      if (renewed === 'lost') return 'lost';
      now = clock.now();
    }
    let wakeAt = now + timing.retryEveryMs;
    if (!term.loaded) {
      await term.load();
    } else if (core.entriesChanged) {
      try {
        await term.refreshEntries(false);
      } catch (error) {
        core.unreachable(error);
      }
    }
    if (term.loaded && now < term.validUntil) {
      const next = await term.runDue(now, signal);
      if (next === 'fenced') return 'lost';
      wakeAt = next;
    }
    const until = Math.min(wakeAt, term.renewAt, term.validUntil);
    await core.wakeup.sleep(clock, until - clock.now(), signal);
  }
}

async function release(core: BeatCore, term: Term): Promise<void> {
  try {
    const released = await within(
      core.clock,
      RELEASE_TIMEOUT_MS,
      core.coordination.releaseLeadership(term.lease).then(() => true),
    );
    if (released === undefined) {
      core.logger.warn(
        `beat: releasing leadership timed out; it lapses within ${core.timing.leaseMs} ms`,
      );
    }
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    core.logger.warn(
      `beat: releasing leadership failed (${why}); it lapses within ${core.timing.leaseMs} ms`,
    );
  }
}
