// Cells of analyst aggregates. A dimension the query did not group by is null in every
// cell, whatever the upstream sent: a cell must not claim a grouping nobody asked for.

/**
 * Reads one dimension of a cell: null unless `asked` holds it, else the value as it is or
 * through `describe` (a code into the object the schema serves for it).
 */
export function dimensionReader<D>(asked: ReadonlySet<D>) {
  return <T>(dimension: D, value: T | null, describe: (value: T) => unknown = (v) => v): unknown =>
    asked.has(dimension) && value !== null ? describe(value) : null;
}
