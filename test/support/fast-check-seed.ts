/**
 * Property tests explore random inputs on a developer's machine (a new seed each run, printed
 * with any counterexample); under CI they replay one fixed seed, so that a landing is never
 * refused by an input nobody changed anything for. `FC_SEED=<n>` replays a given run anywhere.
 */
import fc from 'fast-check';

const given = process.env.FC_SEED ?? (process.env.CI ? '20261206' : undefined);
if (given !== undefined && Number.isInteger(Number(given)))
  fc.configureGlobal({ seed: Number(given) });
