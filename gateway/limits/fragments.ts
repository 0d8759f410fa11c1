// Measures of an operation counted through its fragments in linear time: each named fragment
// is measured once per validation however often it is spread (a document that spreads a
// fragment that spreads another twice, and so on, would otherwise take exponential time).
import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

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

/** How one shape rule measures an operation, selection by selection. */
export interface SelectionMeasure {
  /**
   * A field's measure. `below` measures a selection set the same way (the field's own, where
   * the rule descends into it).
   */
  field(node: FieldNode, below: (set: SelectionSetNode) => number): number;
  /** Added for every selection, whatever its kind (its directives, say). */
  selection?(node: SelectionNode): number;
  /** Added for a named fragment wherever it is spread (its own directives, say). */
  fragment?(fragment: FragmentDefinitionNode): number;
  /** How sibling selections combine: counts add up (the default), a depth takes the deepest. */
  combine?: 'sum' | 'max';
}

/**
 * The measure of a selection set through inline fragments and named fragment spreads (each
 * named fragment measured once per validation, see memoizedFragmentMeasure): the one walk
 * that the depth, alias, root-field, directive and field limits share.
 */
export function measureSelections(
  context: ValidationContext,
  measure: SelectionMeasure,
): (set: SelectionSetNode) => number {
  const fragmentMeasure = memoizedFragmentMeasure(
    context,
    (fragment) => (measure.fragment?.(fragment) ?? 0) + walk(fragment.selectionSet),
  );
  const deepest = measure.combine === 'max';
  function walk(set: SelectionSetNode): number {
    let total = 0;
    for (const selection of set.selections) {
      let value = measure.selection?.(selection) ?? 0;
      switch (selection.kind) {
        case Kind.FIELD:
          value += measure.field(selection, walk);
          break;
        case Kind.INLINE_FRAGMENT:
          value += walk(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD:
          value += fragmentMeasure(selection.name.value);
          break;
      }
      total = deepest ? Math.max(total, value) : total + value;
    }
    return total;
  }
  return walk;
}
