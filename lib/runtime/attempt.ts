/** Runs `fn` at once and gives its result as a promise: a synchronous throw (a bind failure) rejects. */
export function attempt<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
