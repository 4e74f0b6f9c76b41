/**
 * Looks again and again (every `everyMs`) until `ok` holds or `ms` have passed, and
 * returns the last value seen, for the test to assert on. For outcomes that arrive
 * after an unknown delay on a loaded machine (a socket closed by the server, another
 * process taking over), where a fixed sleep is either too short or wasted.
 */
export async function until<T>(
  look: () => T | Promise<T>,
  ok: (value: T) => boolean,
  ms: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await look();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
