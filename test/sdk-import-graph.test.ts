import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The SDK is meant to be usable without the server: its import graph may hold only its
// own files, openapi-fetch and the Node built-ins listed here. Two views of the graph:
// the TypeScript sources (type-only imports included, since they end up in published
// declarations) and the bundle esbuild builds (what actually runs, packages included).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SDK_DIR = resolve(ROOT, 'src/sdk');
const ENTRY = resolve(SDK_DIR, 'index.ts');
const ALLOWED_PACKAGES = new Set(['openapi-fetch']);
const ALLOWED_BUILTINS = new Set(['node:crypto']);
/** Server-side packages named in the error message when one shows up. */
const SERVER_PACKAGES = ['fastify', '@fastify/', 'kysely', 'pg', 'better-sqlite3', 'pino', 'nodemailer', 'pdf-lib', 'jose', 'undici', 'commander'];

interface SourceGraph {
  files: string[];
  /** Import specifiers that are not relative paths, with the file that imports each one. */
  bareImports: Array<{ specifier: string; from: string }>;
  /** Relative imports that resolve outside src/sdk. */
  escapingImports: Array<{ specifier: string; from: string }>;
}

/** Resolves `./x.js` to the TypeScript file behind it. */
function resolveRelative(from: string, specifier: string): string {
  return resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));
}

function walkSources(entry: string): SourceGraph {
  const graph: SourceGraph = { files: [], bareImports: [], escapingImports: [] };
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) {
      continue;
    }
    seen.add(file);
    graph.files.push(relative(ROOT, file));
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      const from = relative(ROOT, file);
      if (!specifier.startsWith('.')) {
        graph.bareImports.push({ specifier, from });
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!target.startsWith(`${SDK_DIR}/`)) {
        graph.escapingImports.push({ specifier, from });
        continue;
      }
      pending.push(target);
    }
  }
  return graph;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

describe('SDK import graph', () => {
  it('sources stay inside src/sdk', () => {
    const graph = walkSources(ENTRY);
    expect(graph.files).toContain('src/sdk/client.ts');
    expect(graph.escapingImports).toEqual([]);
  });

  it('sources import only allowed packages', () => {
    const { bareImports } = walkSources(ENTRY);
    const refused = bareImports.filter(({ specifier }) => !ALLOWED_BUILTINS.has(specifier) && !ALLOWED_PACKAGES.has(packageName(specifier)));
    expect(refused).toEqual([]);
  });

  it('bundle holds no server code', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('src/sdk/index.ts');
    const outside = inputs.filter((input) => !input.startsWith('src/sdk/') && !input.startsWith('node_modules/openapi-fetch/'));
    expect(outside).toEqual([]);
    const serverPackages = inputs.filter((input) => SERVER_PACKAGES.some((name) => input.startsWith(`node_modules/${name}`)));
    expect(serverPackages).toEqual([]);

    const externals = new Set(
      Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((entry) => entry.external === true).map((entry) => entry.path)),
    );
    expect([...externals].filter((path) => !ALLOWED_BUILTINS.has(path))).toEqual([]);
  });
});
