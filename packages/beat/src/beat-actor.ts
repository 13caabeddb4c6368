/**
 * The beat as an actor: `following` and `leading` are its tasks, so its role is its
 * activity (`following.running` / `leading.running`) in the actor tree, the inspection
 * stream and the actor's span; its health is `degraded` while the coordination store is
 * unreachable. The same definition runs standalone (`createBeat().start()`, `celeriac
 * beat`) or as a child of a worker's supervisor (`celeriac worker -B`).
 */
import { defineActor } from '@celeriac/actors';
import type { ActorDefinition } from '@celeriac/actors';
import type { BeatCore } from './beat-core.js';
import { follow } from './follower.js';
import type { Granted } from './follower.js';
import { lead } from './leader.js';

/** The beat actor's resources. */
export type BeatResources = {
  /** The beat's shared state; releasing it closes an owned coordination connection. */
  readonly core: BeatCore;
};

/** The beat actor's tasks: its two roles. */
export type BeatTask = 'following' | 'leading';

/** The definition of a beat actor over `core`. */
export function beatActorDefinition(core: BeatCore): ActorDefinition<BeatResources, BeatTask> {
  return defineActor<BeatResources, BeatTask>({
    name: 'beat',
    resources: {
      core: {
        acquire: () => {
          core.table.logProblems();
          return core;
        },
        release: async () => {
          core.role = undefined;
          if (core.ownCoordination) await core.coordination.close();
        },
      },
    },
    tasks: {
      following: {
        run: async ({ actor, signal, next }) => {
          core.actor = actor;
          const granted = await follow(core, signal);
          return next('leading', granted);
        },
      },
      leading: {
        run: async ({ actor, input, signal, next }) => {
          core.actor = actor;
          await lead(core, input as Granted, signal);
          return next('following');
        },
      },
    },
    initialTask: 'following',
  });
}
