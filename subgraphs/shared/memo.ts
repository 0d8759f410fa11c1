/** A per-request memo for a whole-collection read: the first call fetches, later calls share it. */
export function once<T>(fetch: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fetch());
}
