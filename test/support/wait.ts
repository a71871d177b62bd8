// Tests wait for states, never for a fixed time: the one way to do it, for every test.

/** What a probe answers while the state has not come: nothing, or false. */
type NotYet = null | undefined | false;

/**
 * Asks `probe` every `everyMs` until it answers something (neither null, undefined nor false), and
 * answers that. `timeoutMs` only bounds a state that never comes, naming `what` was awaited; a probe
 * that throws stops the wait with its error (a process that died will not become ready).
 */
export async function until<T>(what: string, probe: () => Promise<T | NotYet> | T | NotYet, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
