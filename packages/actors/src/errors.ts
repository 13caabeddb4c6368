/**
 * Error classes of the actor runtime. Each has a stable string `code` so callers branch on
 * `err.code`, never on message text, keeps its `cause`, and names the actor (by path) and
 * the state it was in, so a crash report says what went wrong and where.
 */

/** Stable codes of {@link ActorError} subclasses. */
export const ActorErrorCode = {
  illegalTransition: 'ERR_ILLEGAL_TRANSITION',
  resourceAcquire: 'ERR_RESOURCE_ACQUIRE',
  resourceTimeout: 'ERR_RESOURCE_TIMEOUT',
  resourceRelease: 'ERR_RESOURCE_RELEASE',
  resourceUnavailable: 'ERR_RESOURCE_UNAVAILABLE',
  taskFailed: 'ERR_TASK_FAILED',
  healthCheck: 'ERR_HEALTH_CHECK',
  hook: 'ERR_HOOK',
  dependency: 'ERR_DEPENDENCY',
  restartIntensity: 'ERR_RESTART_INTENSITY',
  duplicateId: 'ERR_DUPLICATE_ACTOR_ID',
  definition: 'ERR_ACTOR_DEFINITION',
  interrupted: 'ERR_ACTOR_INTERRUPTED',
  stepAbandoned: 'ERR_STEP_ABANDONED',
  invalidArgument: 'ERR_INVALID_ARGUMENT',
  childStart: 'ERR_CHILD_START',
  unknownChild: 'ERR_UNKNOWN_CHILD',
  notASupervisor: 'ERR_NOT_A_SUPERVISOR',
} as const;
/** One of the values of {@link ActorErrorCode}. */
export type ActorErrorCode = (typeof ActorErrorCode)[keyof typeof ActorErrorCode];

/** Base class of every error the actor runtime throws or crashes with on purpose. */
export class ActorError extends Error {
  /** Stable identifier of the kind of failure. */
  readonly code: ActorErrorCode;
  /** Tree path of the actor concerned (e.g. `/worker/pool/executor-3`), when known. */
  readonly actorPath: string | undefined;
  /** Whether trying the same thing again (a restart) can succeed. */
  readonly retryable: boolean;
  /**
   * Set when this error crashed the actor and releasing its resources afterwards failed
   * too: the crash stays the primary error, the release failure travels with it.
   */
  releaseError: ResourceReleaseError | undefined;

  constructor(
    code: ActorErrorCode,
    message: string,
    options?: { cause?: unknown; actorPath?: string; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.actorPath = options?.actorPath;
    this.retryable = options?.retryable ?? true;
    this.releaseError = undefined;
    this.name = new.target.name;
  }
}

/** A trigger (start, stop, pause, …) was called in a state that does not accept it. */
export class IllegalTransitionError extends ActorError {
  /** The refused trigger. */
  readonly trigger: string;
  /** The actor's state when the trigger was refused, as `actor.state` reads it. */
  readonly state: string;
  constructor(actorPath: string, trigger: string, state: string) {
    super(
      ActorErrorCode.illegalTransition,
      `Cannot ${trigger}() actor ${actorPath} in state "${state}"`,
      { actorPath, retryable: false },
    );
    this.trigger = trigger;
    this.state = state;
  }
}

/** A resource's acquire threw; resources acquired before it were released. */
export class ResourceAcquireError extends ActorError {
  /** The declared name of the resource. */
  readonly resource: string;
  constructor(actorPath: string, resource: string, cause: unknown) {
    super(
      ActorErrorCode.resourceAcquire,
      `Actor ${actorPath} could not acquire resource "${resource}": ${describe(cause)}`,
      { actorPath, cause },
    );
    this.resource = resource;
  }
}

/** A resource's acquire did not settle within its timeout. */
export class ResourceTimeoutError extends ActorError {
  /** The declared name of the resource. */
  readonly resource: string;
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(actorPath: string, resource: string, timeoutMs: number) {
    super(
      ActorErrorCode.resourceTimeout,
      `Actor ${actorPath} timed out after ${timeoutMs} ms acquiring resource "${resource}"`,
      { actorPath },
    );
    this.resource = resource;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * One or more releases threw. Every release still ran; `errors` holds each failure, in the
 * order the releases ran (reverse declaration order), like `AggregateError`.
 */
export class ResourceReleaseError extends ActorError {
  /** Each release failure, with the resource it belongs to. */
  readonly errors: readonly { resource: string; error: unknown }[];
  constructor(actorPath: string, errors: readonly { resource: string; error: unknown }[]) {
    super(
      ActorErrorCode.resourceRelease,
      `Actor ${actorPath} failed to release ${errors
        .map((e) => `"${e.resource}" (${describe(e.error)})`)
        .join(', ')}`,
      { actorPath, cause: errors[0]?.error },
    );
    this.errors = errors;
  }
}

/** `actor.resources` was read while the actor holds none (not started, or stopped). */
export class ResourceUnavailableError extends ActorError {
  constructor(actorPath: string, state: string) {
    super(
      ActorErrorCode.resourceUnavailable,
      `Actor ${actorPath} holds no resources in state "${state}"`,
      { actorPath, retryable: false },
    );
  }
}

/** An actor task threw and had no retries left; the actor crashed. */
export class TaskFailedError extends ActorError {
  /** The declared name of the task. */
  readonly task: string;
  /** How many times the task ran, the last included. */
  readonly attempts: number;
  constructor(actorPath: string, task: string, attempts: number, cause: unknown) {
    super(
      ActorErrorCode.taskFailed,
      `Task "${task}" of actor ${actorPath} failed` +
        (attempts > 1 ? ` after ${attempts} attempts` : '') +
        `: ${describe(cause)}`,
      { actorPath, cause },
    );
    this.task = task;
    this.attempts = attempts;
  }
}

/** The health check threw (as opposed to reporting `unhealthy`); the actor crashed. */
export class HealthCheckError extends ActorError {
  constructor(actorPath: string, cause: unknown) {
    super(
      ActorErrorCode.healthCheck,
      `Health check of actor ${actorPath} threw: ${describe(cause)}`,
      {
        actorPath,
        cause,
      },
    );
  }
}

/** A lifecycle hook threw; the actor crashed. */
export class HookError extends ActorError {
  /** Which hook threw: `beforeTransition`, `afterTransition`, `onEnter`, `onExit`. */
  readonly hook: string;
  constructor(actorPath: string, hook: string, cause: unknown) {
    super(ActorErrorCode.hook, `Hook ${hook} of actor ${actorPath} threw: ${describe(cause)}`, {
      actorPath,
      cause,
    });
    this.hook = hook;
  }
}

/** A dependency failed to start, so its dependent could not start either. */
export class DependencyError extends ActorError {
  /** Path of the dependency that failed. */
  readonly dependency: string;
  constructor(actorPath: string, dependency: string, cause: unknown) {
    super(
      ActorErrorCode.dependency,
      `Actor ${actorPath} could not start dependency ${dependency}: ${describe(cause)}`,
      { actorPath, cause },
    );
    this.dependency = dependency;
  }
}

/**
 * A supervisor's children crashed more often than its restart intensity allows; the
 * supervisor crashed so that its own parent decides (escalation).
 */
export class RestartIntensityError extends ActorError {
  /** The intensity that was exceeded. */
  readonly intensity: { maxRestarts: number; withinMs: number };
  constructor(
    actorPath: string,
    intensity: { maxRestarts: number; withinMs: number },
    cause: unknown,
  ) {
    super(
      ActorErrorCode.restartIntensity,
      `Supervisor ${actorPath} exceeded ${intensity.maxRestarts} restarts within ` +
        `${intensity.withinMs} ms; last failure: ${describe(cause)}`,
      { actorPath, cause },
    );
    this.intensity = intensity;
  }
}

/** An actor id is already taken under the same parent. */
export class DuplicateActorIdError extends ActorError {
  constructor(actorPath: string) {
    super(ActorErrorCode.duplicateId, `An actor already lives at ${actorPath}`, {
      actorPath,
      retryable: false,
    });
  }
}

/** An actor definition is inconsistent (unknown initial task, unknown next task, …). */
export class ActorDefinitionError extends ActorError {
  constructor(message: string) {
    super(ActorErrorCode.definition, message, { retryable: false });
  }
}

/**
 * A pending `start()`, `restart()` or `run()` could not complete because the actor was
 * stopped, restarted or crashed first.
 */
export class ActorInterruptedError extends ActorError {
  /** The trigger that was interrupted. */
  readonly trigger: string;
  constructor(actorPath: string, trigger: string, by: string) {
    super(ActorErrorCode.interrupted, `${trigger}() of actor ${actorPath} interrupted by ${by}`, {
      actorPath,
    });
    this.trigger = trigger;
  }
}

/** A supervisor's child did not start (while the supervisor started, or in `addChild`). */
export class ChildStartError extends ActorError {
  /** The child's id. */
  readonly child: string;
  constructor(supervisorPath: string, child: string, cause: unknown) {
    super(
      ActorErrorCode.childStart,
      `Supervisor ${supervisorPath} could not start child "${child}": ${describe(cause)}`,
      { actorPath: supervisorPath, cause },
    );
    this.child = child;
  }
}

/** `removeChild(id)` named no current child of the supervisor. */
export class UnknownChildError extends ActorError {
  /** The id asked for. */
  readonly child: string;
  constructor(supervisorPath: string, child: string, known: readonly string[]) {
    super(
      ActorErrorCode.unknownChild,
      `Supervisor ${supervisorPath} has no child "${child}" (children: ${
        known.length === 0 ? 'none' : known.map((id) => `"${id}"`).join(', ')
      })`,
      { actorPath: supervisorPath, retryable: false },
    );
    this.child = child;
  }
}

/** `asSupervisor(ref)` was given an actor that is not a supervisor. */
export class NotASupervisorError extends ActorError {
  constructor(actorPath: string, kind: string) {
    super(
      ActorErrorCode.notASupervisor,
      `Actor ${actorPath} (kind "${kind}") is not a supervisor: it was not defined with defineSupervisor`,
      { actorPath, retryable: false },
    );
  }
}

/** A trigger was called with an argument it cannot take (the state is not the problem). */
export class InvalidArgumentError extends ActorError {
  /** The trigger that refused its argument. */
  readonly trigger: string;
  constructor(actorPath: string, trigger: string, problem: string, cause?: unknown) {
    super(ActorErrorCode.invalidArgument, `${trigger}() of actor ${actorPath}: ${problem}`, {
      actorPath,
      retryable: false,
      cause,
    });
    this.trigger = trigger;
  }
}

/**
 * A stop, restart or crash waited its shutdown timeout for the task step in flight, which
 * did not end (it ignored its abort signal); the step was abandoned — left running,
 * its outcome ignored — and the actor's resources were released anyway.
 */
export class StepAbandonedError extends ActorError {
  /** The declared name of the abandoned task. */
  readonly task: string;
  /** The attempt that was running (1 for the first run of the step). */
  readonly attempt: number;
  /** The bound that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(actorPath: string, task: string, attempt: number, timeoutMs: number, by: string) {
    super(
      ActorErrorCode.stepAbandoned,
      `Actor ${actorPath} abandoned task "${task}" (attempt ${attempt}): the step did not ` +
        `end within ${timeoutMs} ms of its abort signal (${by})`,
      { actorPath, retryable: false },
    );
    this.task = task;
    this.attempt = attempt;
    this.timeoutMs = timeoutMs;
  }
}

/** Short text for an unknown thrown value, for messages. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
