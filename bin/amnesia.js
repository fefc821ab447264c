#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on any Node to say clearly when that Node is too old.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// In amnesia's own repository the CLI runs its TypeScript sources (Node strips the types); the
// published package has no src/ and runs the JavaScript built into dist/.
const sources = new URL('../src/cli/main.ts', import.meta.url);
const fromSources = existsSync(sources);
const [major, minor] = process.versions.node.split('.').map(Number);
const needs = fromSources ? [22, 18] : [22, 12];
const tooOld = major < needs[0] || (major === needs[0] && minor < needs[1]);
if (tooOld || (fromSources && !process.features.typescript)) {
  process.stderr.write(`[amnesia] ${tooOldMessage().join('\n')}\n`);
  process.exit(2);
}
// V8's compile cache in the temp folder (NODE_DISABLE_COMPILE_CACHE=1 turns it off; a
// NODE_COMPILE_CACHE already set has turned it on): each start after the first skips compiling
// amnesia's few hundred modules and stripping the types of its sources. It holds code only, and
// the processes amnesia starts do not inherit it. Not when the temp folder is missing: Node would
// create it, and the run must say that TMPDIR is wrong instead.
if (existsSync(tmpdir())) module.enableCompileCache();
await import(fromSources ? sources.href : '../dist/cli/main.js');

/**
 * What to do, for the way amnesia was started: the project whose Node to use is this repository
 * (from its sources) or the one whose node_modules holds amnesia; npx puts a project's own Node
 * first on PATH only when run from that project's folder (not with `npx --prefix`, not from
 * another folder), so the advice names the folder, and the path that works from anywhere.
 */
function tooOldMessage() {
  const want = `${needs[0]}.${needs[1]}`;
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = dirname(here);
  const marker = `${sep}node_modules${sep}`;
  const project = fromSources ? pkg : pkg.slice(0, pkg.lastIndexOf(marker)) || pkg;
  const ownNode = join(project, 'node_modules', '.bin', 'node');
  const head = fromSources
    ? `amnesia needs Node.js ${want} or newer to run from its sources (24 recommended); this is ${process.version} (${process.execPath}).`
    : `amnesia needs Node.js ${want} or newer (22 LTS or 24); this is ${process.version} (${process.execPath}).`;
  if (existsSync(ownNode)) {
    return [
      head,
      `  ${project} has its own Node (node_modules/.bin/node); npx puts it first on PATH only from that folder:`,
      `    cd ${project} && npx amnesia ...`,
      `  or, from any folder: ${ownNode} ${join(here, 'amnesia.js')} ...`,
    ];
  }
  if (fromSources) {
    return [
      head,
      `  This repository brings its own Node 24, not installed yet: run \`npm ci\` in ${project}, then \`npx amnesia ...\` there.`,
      '  If npm installed with --ignore-scripts, the `node` package could not set itself up: run `npm rebuild node`.',
    ];
  }
  return [
    head,
    '  Either install Node.js 24 on this machine (https://nodejs.org, or `nvm install 24`),',
    `  or give ${project} its own: \`npm i -D node@24\` there, then \`cd ${project} && npx amnesia ...\``,
    "  (npx puts the project's Node first on PATH when run from the project's folder).",
  ];
}
