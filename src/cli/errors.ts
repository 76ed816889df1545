/** An error caused by the user's input: the CLI prints it as one line and exits with status 2. */
export class UsageError extends Error {}

/** Run a validation step; whatever it throws is the user's input error. */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The same for an asynchronous step (loading a problem file). */
export async function asUsageAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
