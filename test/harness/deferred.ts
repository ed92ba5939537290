/**
 * A promise and the function that settles it, for tests that hold a run at a chosen point
 * (inside a batch, before a commit) and let it go once the other party has acted.
 */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
