import { describe, expect, it } from 'vitest';
import { valueCompletionErrors } from './value-completion.js';

describe('valueCompletionErrors', () => {
  it('keeps graphql-js wording and the path, with a stable code', () => {
    expect(
      valueCompletionErrors([
        { message: 'Cannot return null for non-nullable field Desk.name.', path: ['a', 0, 'name'] },
      ]),
    ).toEqual([
      {
        message:
          'Cannot return null for non-nullable field Desk.name. A record another part of the graph refers to was not found.',
        path: ['a', 0, 'name'],
        extensions: { code: 'INCOMPLETE_DATA' },
      },
    ]);
  });

  it('replaces any other wording and drops a path that is not field names and indexes', () => {
    expect(
      valueCompletionErrors([{ message: 'upstream said RSSMRA80A01G999X', path: ['a', 'x y'] }]),
    ).toEqual([
      {
        message: 'A value the schema promises could not be completed.',
        extensions: { code: 'INCOMPLETE_DATA' },
      },
    ]);
    expect(valueCompletionErrors(undefined)).toEqual([]);
  });
});
