// @apollo/gateway reports a value the schema promises but no subgraph delivered (an entity
// reference that resolved to null under a non-null field: co names a worker that IDOL does
// not return, say) only in `extensions.valueCompletion`, and only when no fetch failed. The
// null then spreads up to the nearest nullable field — a whole employer — with `errors`
// empty, so a client cannot tell it from "not found". This plugin turns those reports into
// errors the client sees, with a stable code and the path, and drops the extension.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

export const INCOMPLETE_DATA = 'INCOMPLETE_DATA';

interface Completion {
  message?: unknown;
  path?: unknown;
}

/** Safe paths only: field names and indexes. */
function pathOf(value: unknown): (string | number)[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const path = value.filter(
    (p): p is string | number =>
      (typeof p === 'string' && /^\w{1,100}$/.test(p)) || (typeof p === 'number' && p >= 0),
  );
  return path.length === value.length ? path : undefined;
}

/** The client's errors for the value-completion reports of one response. */
export function valueCompletionErrors(reports: unknown): GraphQLFormattedError[] {
  if (!Array.isArray(reports)) return [];
  return reports.map((report: Completion) => {
    const path = pathOf(report.path);
    // graphql-js's own wording names only schema coordinates ("Cannot return null for
    // non-nullable field Worker.pseudonym."): kept when it has that shape.
    const message =
      typeof report.message === 'string' &&
      /^Cannot return null for non-nullable field \w+\.\w+\.$/.test(report.message)
        ? `${report.message} A record another part of the graph refers to was not found.`
        : 'A value the schema promises could not be completed.';
    return { message, ...(path ? { path } : {}), extensions: { code: INCOMPLETE_DATA } };
  });
}

export function valueCompletionPlugin<
  TContext extends BaseContext,
>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ response }) {
          if (response.body.kind !== 'single') return Promise.resolve();
          const result = response.body.singleResult;
          const reports = result.extensions?.valueCompletion;
          if (reports === undefined) return Promise.resolve();
          const { valueCompletion: _dropped, ...rest } = result.extensions ?? {};
          void _dropped;
          result.extensions = Object.keys(rest).length > 0 ? rest : undefined;
          result.errors = [...(result.errors ?? []), ...valueCompletionErrors(reports)];
          return Promise.resolve();
        },
      });
    },
  };
}
