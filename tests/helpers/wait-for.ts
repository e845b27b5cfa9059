/**
 * The one "poll until a condition holds, or time out" of the tests and the bench. Processes, meshes and UIs
 * converge on their own time; a test states what it waits for, and a timeout says which wait ran out.
 */

/** A wait that ran out: names what was awaited, how long, and the last error the check threw (as `cause`). */
export class WaitTimeoutError extends Error {
  readonly what: string;
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, lastError: unknown) {
    const last = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
    super(`timed out after ${timeoutMs} ms waiting for ${what}${last}`, { cause: lastError });
    this.name = 'WaitTimeoutError';
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Calls `check` until it returns a truthy value, and resolves with that value. A check that throws counts as "not
 * yet" (its error is kept for the timeout's message). Between checks it sleeps `pause` ms, or awaits `pause()` (for
 * example the next change event). After `timeoutMs` it rejects with a WaitTimeoutError naming `what`, phrased to
 * follow "waiting for": `waitFor('Bob to hold a piece', …)`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | null | undefined | false | '' | 0 | Promise<T | null | undefined | false | '' | 0>,
  timeoutMs = 30_000,
  pause: number | (() => Promise<unknown>) = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, lastError);
    if (typeof pause === 'number') await new Promise((resolve) => setTimeout(resolve, pause));
    else await pause();
  }
}

/** `waitFor` that resolves with null when the time runs out, for a caller that then reports what it saw. */
export async function waitForOrNull<T>(...args: Parameters<typeof waitFor<T>>): Promise<T | null> {
  try {
    return await waitFor(...args);
  } catch (err) {
    if (err instanceof WaitTimeoutError) return null;
    throw err;
  }
}
