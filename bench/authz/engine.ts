import type { Checks, Dataset } from './dataset.ts';

/** One authorization engine under test, fed the same dataset and asked the same checks. */
export interface AuthorizationEngine {
  readonly name: string;
  /** How the engine is made to express Gatehouse's rules, for the README. */
  readonly model: string;
  /** Loads the whole dataset; timed, and its heap kept to be measured. */
  build(dataset: Dataset): void | Promise<void>;
  isAllowed(checks: Checks, i: number): boolean;
  /** Runs checks [from, to) and counts the allowed ones. Each engine has its own loop, so one engine's call sites do not slow another's. */
  run(checks: Checks, from: number, to: number): number;
}
