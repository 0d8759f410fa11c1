// `npm run docs`: the static reference generated from the schema, run into a temporary folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, isIntrospectionType, parse, validate, type GraphQLSchema } from 'graphql';
import { API_SCHEMA_PATH } from '../schema/compose.js';
import { generateDocs, typeFile, type DocsResult } from '../scripts/docs.js';

let outDir: string;
let result: DocsResult;
let schema: GraphQLSchema;
const read = (name: string) => readFileSync(join(outDir, name), 'utf8');

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'prato-graph-docs-'));
  result = generateDocs(outDir);
  schema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('npm run docs', () => {
  it('writes an index and a page for every type of the API schema, linked from the index', () => {
    const index = read('index.html');
    const names = Object.values(schema.getTypeMap())
      .filter((t) => !isIntrospectionType(t))
      .map((t) => t.name);
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      expect(existsSync(join(outDir, typeFile(name))), name).toBe(true);
      expect(index).toContain(`href="${typeFile(name)}"`);
    }
    // Nothing but the API schema: no federation internals get a page.
    expect(readdirSync(outDir).filter((f) => /^(join__|link__|_)/.test(f))).toEqual([]);
  });

  it("shows each field's description, arguments and the policy it is read under", () => {
    const query = read('Query.html');
    expect(query).toContain(
      'One desk by its registry code (for example <code>PO-NORD</code>), or null if there is none.',
    );
    expect(query).toContain(
      '<code>includeClosed: <a href="Boolean.html">Boolean</a> = true</code>',
    );
    const worker = read('Worker.html');
    const fiscalCode = worker.slice(worker.indexOf('<h3 id="fiscalCode">'));
    expect(fiscalCode).toMatch(
      /^<h3 id="fiscalCode">.*\n<p><span class="policy restricted">needs scope <code>worker:identity<\/code> \(roles: citizen, operator, with a declared purpose/,
    );
    const desks = query.slice(query.indexOf('<h3 id="desks">'));
    expect(desks).toMatch(/^.*\n<p><span class="policy">public: no token needed/);
    expect(read('Mutation.html')).toContain(
      'needs scope <code>vacancies:write</code> (roles: operator, partner)',
    );
  });

  it('every link resolves to a page and an anchor in it, and nothing is loaded from elsewhere', () => {
    const pages = readdirSync(outDir).filter((f) => f.endsWith('.html'));
    expect([...pages].sort()).toEqual([...result.files].sort());
    let links = 0;
    for (const name of pages) {
      const html = read(name);
      expect(html).not.toMatch(/<script|<link |<img |@import|url\(/i);
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
        links++;
        expect(href, `${name}: ${href}`).not.toMatch(/^[a-z]+:|^\/\//i);
        const [file, anchor] = href!.split('#');
        const target = file ? file : name;
        expect(existsSync(join(outDir, target)), `${name}: ${href}`).toBe(true);
        if (anchor) expect(read(target), `${name}: ${href}`).toContain(`id="${anchor}"`);
      }
    }
    expect(links).toBeGreaterThan(500);
  });

  it('every example operation is valid against the API schema', () => {
    expect(result.examples.length).toBeGreaterThan(20);
    for (const { title, body } of result.examples) {
      expect(validate(schema, parse(body)), title).toEqual([]);
    }
  });

  it('runs as a command into the folder given with --out', () => {
    const dir = join(outDir, 'cli');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/docs.ts', '--out', dir], {
      stdio: 'pipe',
    });
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(read('index.html'));
  });
});
