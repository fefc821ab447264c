import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';

// Layers import downward only: the folders of src/ form no cycle, so that the result types sit at
// the bottom (reports and verdicts read them, the engine fills them) and the pure plan knows no
// processes. Biome's noImportCycles keeps files from cycles; this keeps folders from them.
const SRC = path.join(REPO, 'src');

/** `src/run/run.ts` → `run`; a file directly in src/ is a layer of its own (`errors.ts`). */
const layerOf = (file: string) => {
  const [first = '', second] = path.relative(SRC, file).split(path.sep);
  return second === undefined ? first : first;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Folder → folders it imports from (type imports included: they are dependencies of the design). */
function layerGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    const from = layerOf(file);
    const deps = graph.get(from) ?? new Set<string>();
    graph.set(from, deps);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1] as string);
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to !== from) deps.add(to);
    }
  }
  return graph;
}

function cycles(graph: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const walk = (node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const i = trail.indexOf(next);
      if (i >= 0) found.push([...trail.slice(i), next].join(' → '));
      else walk(next, [...trail, next]);
    }
  };
  for (const node of graph.keys()) walk(node, [node]);
  return [...new Set(found.map((c) => c))].sort();
}

describe('layers of src/', () => {
  const graph = layerGraph();

  it('no folder imports, directly or not, from a folder that imports it', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the result types are at the bottom, and the pure plan knows no processes', () => {
    expect(
      [...(graph.get('types') ?? [])].filter((d) => ['run', 'report', 'verdict', 'probe'].includes(d)),
    ).toEqual([]);
    expect([...(graph.get('plan') ?? [])]).not.toContain('topology');
    for (const layer of ['report', 'verdict', 'probe'])
      expect([...(graph.get(layer) ?? [])]).not.toContain('run');
  });
});
