// Measures of an operation counted through its fragments in linear time: each named fragment
// is measured once per validation however often it is spread (a document that spreads a
// fragment that spreads another twice, and so on, would otherwise take exponential time).
import type { FragmentDefinitionNode, ValidationContext } from 'graphql';

/**
 * Returns a lookup of a fragment's measure by name, computing each once. A fragment reached
 * again while it is being measured counts 0: cycles are refused by graphql-js's own
 * NoFragmentCyclesRule, and this only keeps the limits from looping on them meanwhile.
 */
export function memoizedFragmentMeasure(
  context: ValidationContext,
  measure: (fragment: FragmentDefinitionNode) => number,
): (name: string) => number {
  const memo = new Map<string, number>();
  return (name) => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = context.getFragment(name);
    if (!fragment) return 0; // KnownFragmentNamesRule reports it
    memo.set(name, 0);
    const value = measure(fragment);
    memo.set(name, value);
    return value;
  };
}
