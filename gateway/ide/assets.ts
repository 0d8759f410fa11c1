// The IDE's static files, read once when the gateway starts and served from memory: GraphiQL
// and React from node_modules, the page's own script and style from this folder. Each is
// served under a path holding its content hash, so that browsers may keep it for a year and
// a new version is a new URL.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectPath } from '../../lib/project-files.js';

/** Where the IDE's assets are served; nothing else lives under it. */
export const ASSETS_PREFIX = '/ide/assets/';

export interface Asset {
  /** The URL path, `/ide/assets/<name>.<hash>.<ext>`. */
  path: string;
  contentType: string;
  body: Buffer;
  /** A strong validator: the content hash, quoted. */
  etag: string;
}

export interface IdeAssets {
  graphiqlCss: Asset;
  pageCss: Asset;
  react: Asset;
  reactDom: Asset;
  graphiql: Asset;
  pageScript: Asset;
  /** Every asset by its URL path. */
  byPath: ReadonlyMap<string, Asset>;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * A package's folder, found through Node's own resolution of its package.json, so that it works
 * from source and from dist/ alike. graphiql's `exports` do not list its UMD build, so files
 * are taken from the package folder rather than resolved one by one.
 */
function packageDir(name: string): { dir: string; version: string } {
  const manifestPath = createRequire(import.meta.url).resolve(`${name}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
  return { dir: dirname(manifestPath), version: manifest.version };
}

/**
 * The UMD builds end with a `sourceMappingURL` comment naming a map the gateway does not serve
 * (4.7 MB for GraphiQL alone): left in, a browser's developer tools would ask for it and get 404.
 */
function withoutSourceMapComment(source: Buffer): Buffer {
  return Buffer.from(source.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

function asset(name: string, ext: 'js' | 'css', body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    path: `${ASSETS_PREFIX}${name}.${hash}.${ext}`,
    contentType: ext === 'js' ? JAVASCRIPT : CSS,
    body,
    etag: `"${hash}"`,
  };
}

/** Reads every asset; throws (and so stops the gateway's start) when one is missing. */
export function loadIdeAssets(): IdeAssets {
  const graphiql = packageDir('graphiql');
  const react = packageDir('react');
  const reactDom = packageDir('react-dom');
  const read = (dir: string, file: string) => readFileSync(join(dir, file));
  const assets = {
    graphiqlCss: asset(
      `graphiql-${graphiql.version}`,
      'css',
      read(graphiql.dir, 'graphiql.min.css'),
    ),
    pageCss: asset('ide', 'css', readFileSync(projectPath('gateway', 'ide', 'ide.css'))),
    react: asset(`react-${react.version}`, 'js', read(react.dir, 'umd/react.production.min.js')),
    reactDom: asset(
      `react-dom-${reactDom.version}`,
      'js',
      read(reactDom.dir, 'umd/react-dom.production.min.js'),
    ),
    graphiql: asset(
      `graphiql-${graphiql.version}`,
      'js',
      withoutSourceMapComment(read(graphiql.dir, 'graphiql.min.js')),
    ),
    // A plain browser script beside this file (not compiled by tsc), found from dist/ too.
    pageScript: asset('ide', 'js', readFileSync(projectPath('gateway', 'ide', 'browser.js'))),
  };
  return { ...assets, byPath: new Map(Object.values(assets).map((a) => [a.path, a])) };
}
