// The supergraph the gateway serves (SUPERGRAPH_PATH): this project's by default, or any
// Federation 2 supergraph composed elsewhere. Read and checked once at start, so that a file
// the gateway cannot serve stops it with a sentence saying why, before anything listens.
//
// Where each subgraph is served: the URL the supergraph's `join__graph(url:)` gives, unless
// the configuration overrides it by subgraph name (SUBGRAPH_URL_<NAME>, gateway/config.ts).
// Names are matched by their environment form: upper-cased, every other character than a
// letter or digit turned to `_` (`reviews-v2` -> `REVIEWS_V2`).
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { isFed1Supergraph, Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type ConstDirectiveNode, type DocumentNode } from 'graphql';
import { withoutSecurityPurpose } from '../lib/auth/policy.js';
import { projectPath } from '../lib/project-files.js';
import { directiveArgument, stringValue } from './limits/operation-walk.js';
import { COST_MODEL, type CostModel, type Load } from './limits/query-cost.js';

export const DEFAULT_SUPERGRAPH_PATH = 'schema/supergraph.graphql';

/** The subgraphs of this project's graph: the one the cost model and partners' manifest describe. */
export const PROJECT_SUBGRAPHS: readonly string[] = Object.freeze([
  'desks',
  'employers',
  'training',
  'workers',
]);

/** A supergraph file the gateway cannot serve; the message says which file and why. */
export class SupergraphFileError extends Error {
  constructor(path: string, reason: string) {
    super(`SUPERGRAPH_PATH=${JSON.stringify(path)} cannot be served: ${reason}`);
    this.name = 'SupergraphFileError';
  }
}

export interface SupergraphFile {
  /** The file's text, as composed (the policy links keep their `for: SECURITY`). */
  sdl: string;
  document: DocumentNode;
  /**
   * The text ApolloGateway and the planners load: without `for: SECURITY` on the policy links,
   * which this gateway enforces itself (lib/auth/policy.ts).
   */
  executableSdl: string;
  /** Built from `executableSdl`. */
  supergraph: Supergraph;
  /** Each subgraph's name and the URL the file gives for it, in the file's order. */
  subgraphs: ReadonlyMap<string, string>;
  /** Whether this is the project's own graph (its four subgraphs by name). */
  isProjectGraph: boolean;
}

/** A subgraph name as an environment variable suffix: `reviews-v2` -> `REVIEWS_V2`. */
export function subgraphEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Checks a supergraph's text; `path` names it in errors. */
export function checkSupergraph(sdl: string, path: string): SupergraphFile {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (err) {
    throw new SupergraphFileError(path, `it is not GraphQL SDL (${(err as Error).message})`);
  }
  if (!linksJoinSpec(document)) {
    throw new SupergraphFileError(
      path,
      'it links no join spec (https://specs.apollo.dev/join): a subgraph or a plain schema, not a composed supergraph; compose one with rover or @apollo/composition',
    );
  }
  const executableSdl = withoutSecurityPurpose(sdl);
  let supergraph: Supergraph;
  try {
    supergraph = Supergraph.build(executableSdl);
  } catch (err) {
    throw new SupergraphFileError(
      path,
      `it is not a valid Federation 2 supergraph (${summary((err as Error).message)})`,
    );
  }
  if (isFed1Supergraph(supergraph.schema)) {
    throw new SupergraphFileError(
      path,
      'it is a Federation 1 supergraph (join spec v0.1); compose it again with Federation 2',
    );
  }
  const subgraphs = new Map(supergraph.subgraphsMetadata().map((s) => [s.name, s.url]));
  if (subgraphs.size === 0) {
    throw new SupergraphFileError(path, 'it names no subgraph (join__Graph is empty)');
  }
  const names = [...subgraphs.keys()].sort();
  return {
    sdl,
    document,
    executableSdl,
    supergraph,
    subgraphs,
    isProjectGraph:
      names.length === PROJECT_SUBGRAPHS.length &&
      names.every((n, i) => n === PROJECT_SUBGRAPHS[i]),
  };
}

/** The join spec linked from the schema: `@link(url:)` (Federation 2) or `@core(feature:)` (1). */
function linksJoinSpec(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) &&
      (definition.directives ?? []).some((directive) =>
        ['url', 'feature'].some((name) =>
          stringArgument(directive, name)?.startsWith('https://specs.apollo.dev/join/'),
        ),
      ),
  );
}

/** A composition library's message on one line, clipped: enough to say what is wrong. */
function summary(message: string): string {
  const text = message.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Reads and checks the supergraph at `path` (relative paths from the project root). */
export function readSupergraphFile(path: string): SupergraphFile {
  let sdl: string;
  try {
    sdl = readFileSync(isAbsolute(path) ? path : projectPath(path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SupergraphFileError(path, `the file cannot be read (${code ?? 'error'})`);
  }
  return checkSupergraph(sdl, path);
}

/**
 * Where this project's subgraphs listen unless configured (the four DESKS_SUBGRAPH_URL ...
 * defaults, kept): the composed file says `localhost`, which may resolve to ::1 first, and the
 * subgraphs listen on 127.0.0.1.
 */
const PROJECT_DEFAULT_URLS: Readonly<Record<string, string>> = Object.freeze({
  desks: 'http://127.0.0.1:4001/graphql',
  workers: 'http://127.0.0.1:4002/graphql',
  employers: 'http://127.0.0.1:4003/graphql',
  training: 'http://127.0.0.1:4004/graphql',
});

/**
 * Where the gateway fetches each subgraph: the supergraph's URL (for this project's graph, the
 * local defaults above) unless `overrides` names the subgraph, by its name or its environment
 * form (SUBGRAPH_URL_<NAME>). An override that names no subgraph of the supergraph is refused,
 * as a typo would otherwise be silently ignored.
 */
export function resolveSubgraphUrls(
  file: Pick<SupergraphFile, 'subgraphs' | 'isProjectGraph'>,
  overrides: Readonly<Record<string, string>>,
  supergraphPath: string,
): Readonly<Record<string, string>> {
  const { subgraphs } = file;
  const byEnvName = new Map<string, string[]>();
  for (const name of subgraphs.keys()) {
    const key = subgraphEnvName(name);
    byEnvName.set(key, [...(byEnvName.get(key) ?? []), name]);
  }
  const chosen = new Map<string, string>();
  for (const [given, url] of Object.entries(overrides)) {
    const names = byEnvName.get(subgraphEnvName(given)) ?? [];
    if (names.length === 0) {
      throw new SupergraphFileError(
        supergraphPath,
        `a URL is configured for subgraph ${subgraphEnvName(given)}, which it does not have (its subgraphs: ${[...subgraphs.keys()].join(', ')})`,
      );
    }
    if (names.length > 1) {
      throw new SupergraphFileError(
        supergraphPath,
        `subgraphs ${names.join(' and ')} share the variable name ${subgraphEnvName(given)}: their URLs cannot be configured apart`,
      );
    }
    chosen.set(names[0] as string, url);
  }
  return Object.freeze(
    Object.fromEntries(
      [...subgraphs].map(([name, url]) => [
        name,
        chosen.get(name) ?? (file.isProjectGraph ? PROJECT_DEFAULT_URLS[name] : undefined) ?? url,
      ]),
    ),
  );
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  return stringValue(directiveArgument(directive, name));
}

function enumArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directiveArgument(directive, name);
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

/**
 * The cost model of the estimate (gateway/limits/query-cost.ts). COST_MODEL describes this
 * project's subgraphs and the upstreams behind them, by their type and field names; another
 * graph's names may collide with them and mean something else, and what is behind its
 * subgraphs is unknown. So another graph is costed in subgraph requests: each entity fetch
 * one request (`_entities` takes every representation at once), each root field one, lists
 * without `@listSize` of the default size.
 */
export function costModelFor(file: Pick<SupergraphFile, 'document' | 'isProjectGraph'>): CostModel {
  if (file.isProjectGraph) return COST_MODEL;
  const graphNames = new Map<string, string>();
  const references: Record<string, Load> = {};
  for (const definition of file.document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph') {
      for (const value of definition.values ?? []) {
        const name = value.directives
          ?.filter((d) => d.name.value === 'join__graph')
          .map((d) => stringArgument(d, 'name'))
          .find((n) => n !== undefined);
        if (name !== undefined) graphNames.set(value.name.value, name);
      }
    }
  }
  for (const definition of file.document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    ) {
      continue;
    }
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'join__type' || stringArgument(directive, 'key') === undefined) {
        continue;
      }
      const graph = graphNames.get(enumArgument(directive, 'graph') ?? '');
      if (graph !== undefined) references[`${graph}.${definition.name.value}`] = 'once';
    }
  }
  return Object.freeze({
    references: Object.freeze(references),
    fields: Object.freeze({}),
    listSizes: Object.freeze({}),
    defaultListSize: COST_MODEL.defaultListSize,
  });
}
