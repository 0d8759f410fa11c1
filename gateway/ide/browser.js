/* global React, ReactDOM, GraphiQL, document, window, fetch, Headers, atob */
// The IDE page's own script, run by the browser after React, ReactDOM and GraphiQL (UMD builds
// that set those globals). A plain script, served as it is (gateway/ide/assets.ts): no build
// step, no JSX. What it needs from the gateway (the endpoint, the purposes, the example
// operations) is in the page's JSON block #ide-config.
(function () {
  'use strict';

  const h = React.createElement;
  const config = JSON.parse(document.getElementById('ide-config').textContent);

  // GraphiQL keeps its tabs, queries, variables and history under this prefix, here in
  // sessionStorage rather than its default localStorage: a variable may hold personal data (a
  // fiscal code), and on a desk's shared PC it must not outlive the browser tab. Headers are
  // never stored (shouldPersistHeaders: false), and the token is never in any storage.
  const STORAGE_PREFIX = 'graphiql:';

  const defaultTabs = config.examples.map((example) => ({
    query: example.query,
    variables: example.variables ? JSON.stringify(example.variables, null, 2) : undefined,
  }));

  /**
   * What the token says of its holder, for the status line only: the gateway verifies the
   * token, the page does not. Never the fiscal code a citizen's token carries.
   */
  function describeToken(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const claims = JSON.parse(atob(payload));
      const parts = [typeof claims.role === 'string' ? claims.role : 'unknown role'];
      if (typeof claims.desk === 'string') parts.push(`desk ${claims.desk}`);
      if (typeof claims.org === 'string') parts.push(`organisation ${claims.org}`);
      if (typeof claims.exp === 'number') {
        const expiry = new Date(claims.exp * 1000);
        parts.push(`${expiry < new Date() ? 'expired' : 'expires'} ${expiry.toLocaleString()}`);
      }
      return parts.join(', ');
    } catch {
      return 'a token the page cannot read (the gateway will say whether it accepts it)';
    }
  }

  /**
   * GraphiQL 4 learns an edited document's operation name a moment after the last key stroke
   * or tab change, and a run in between sends the previous one, which the gateway refuses
   * (OPERATION_RESOLUTION_FAILURE). With one operation in the document, its own name is meant.
   */
  function withCurrentOperationName(params) {
    if (!params.operationName) return params;
    try {
      const names = GraphiQL.GraphQL.parse(params.query)
        .definitions.filter((d) => d.kind === 'OperationDefinition')
        .map((d) => (d.name ? d.name.value : undefined));
      if (names.length !== 1 || names.includes(params.operationName)) return params;
      return { ...params, operationName: names[0] };
    } catch {
      // Not a document: the gateway says what is wrong with it.
      return params;
    }
  }

  /**
   * Posts to the GraphQL endpoint as JSON (the gateway's CSRF prevention refuses simple
   * content types), with the token and the purpose of the bar unless the tab's own headers
   * editor sets them. The purpose is read when sending, so that changing it needs no new
   * fetcher (a new fetcher makes GraphiQL introspect again).
   */
  function createFetcher(token, purposeRef) {
    return async function fetcher(params, options) {
      const headers = new Headers((options && options.headers) || {});
      headers.set('content-type', 'application/json');
      headers.set('accept', 'application/graphql-response+json, application/json');
      if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (purposeRef.current && !headers.has('x-purpose')) {
        headers.set('x-purpose', purposeRef.current);
      }
      const response = await fetch(config.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(withCurrentOperationName(params)),
        credentials: 'omit',
        cache: 'no-store',
      });
      const text = await response.text();
      try {
        return JSON.parse(text);
      } catch {
        return { errors: [{ message: `HTTP ${response.status}: the answer is not JSON` }] };
      }
    };
  }

  function Bar(props) {
    const [draft, setDraft] = React.useState('');
    const status = props.token
      ? `Signed in: ${describeToken(props.token)}. The token is kept in this page's memory only: reloading the page forgets it.`
      : 'No token: you run operations as the public. Paste a token for the fields of your role, and for the docs and autocompletion (the gateway shows its schema to signed-in callers only).';
    return h(
      'form',
      {
        className: 'ide-bar',
        'aria-label': 'Credentials',
        onSubmit(event) {
          event.preventDefault();
          const token = draft.trim().replace(/^Bearer\s+/i, '');
          if (token) props.onToken(token);
          setDraft('');
        },
      },
      h('span', { className: 'ide-title' }, 'Prato labour graph'),
      h(
        'label',
        null,
        'Token',
        // A text field, not a password one: a browser's password manager would offer to keep it.
        h('input', {
          name: 'token',
          type: 'text',
          autoComplete: 'off',
          spellCheck: false,
          placeholder: props.token ? 'paste another token' : 'paste a bearer token',
          value: draft,
          onChange: (event) => setDraft(event.target.value),
        }),
      ),
      h('button', { type: 'submit', disabled: draft.trim() === '' }, 'Use token'),
      props.token
        ? h('button', { type: 'button', onClick: () => props.onToken('') }, 'Forget token')
        : null,
      h(
        'label',
        null,
        'Purpose',
        h(
          'select',
          {
            name: 'purpose',
            value: props.purpose,
            onChange: (event) => props.onPurpose(event.target.value),
          },
          h('option', { value: '' }, 'none'),
          config.purposes.map((purpose) => h('option', { key: purpose, value: purpose }, purpose)),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          title: 'Close every tab and open the example operations again',
          onClick: props.onResetTabs,
        },
        'Reset examples',
      ),
      h('span', { className: 'ide-status', role: 'status' }, status),
    );
  }

  function Ide() {
    const [token, setToken] = React.useState('');
    const [purpose, setPurpose] = React.useState('');
    const [generation, setGeneration] = React.useState(0);
    const purposeRef = React.useRef(purpose);
    purposeRef.current = purpose;
    const fetcher = React.useMemo(() => createFetcher(token, purposeRef), [token]);
    function resetTabs() {
      const storage = window.sessionStorage;
      for (const key of Object.keys(storage)) {
        if (key.startsWith(STORAGE_PREFIX)) storage.removeItem(key);
      }
      // A new GraphiQL, which finds no stored tabs and opens the examples.
      setGeneration((n) => n + 1);
    }
    return h(
      'div',
      { className: 'ide' },
      h(Bar, {
        token,
        purpose,
        onToken: setToken,
        onPurpose: setPurpose,
        onResetTabs: resetTabs,
      }),
      h(
        'div',
        { className: 'ide-graphiql' },
        h(GraphiQL, {
          key: generation,
          fetcher,
          // null: no introspection (the gateway refuses it to the public); undefined:
          // introspect through the fetcher, with the token.
          schema: token ? undefined : null,
          defaultTabs,
          storage: window.sessionStorage,
          shouldPersistHeaders: false,
          defaultEditorToolsVisibility: true,
        }),
      ),
    );
  }

  ReactDOM.createRoot(document.getElementById('ide')).render(h(Ide));
})();
