export { defineActor } from './definition.js';
export { createActorSystem } from './system.js';
export { SimulatedClock } from './clock.js';
