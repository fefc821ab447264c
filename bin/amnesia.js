#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on any Node to say clearly when that Node is too old.
import { existsSync } from 'node:fs';

// In amnesia's own repository the CLI runs its TypeScript sources (Node strips the types); the
// published package has no src/ and runs the JavaScript built into dist/.
const sources = new URL('../src/cli/main.ts', import.meta.url);
const fromSources = existsSync(sources);
const [major, minor] = process.versions.node.split('.').map(Number);
const needs = fromSources ? [22, 18] : [22, 12];
const tooOld = major < needs[0] || (major === needs[0] && minor < needs[1]);
if (tooOld || (fromSources && !process.features.typescript)) {
  const want = `${needs[0]}.${needs[1]}`;
  const lines = fromSources
    ? [
        `amnesia needs Node.js ${want} or newer to run from its sources (24 recommended); this is ${process.version} (${process.execPath}).`,
        "  Run it through npm so the project's Node 24 comes first on PATH: `npx amnesia ...` or `npm run ...`.",
        '  If npm installed with --ignore-scripts, the `node` package could not set itself up: run `npm rebuild node`.',
      ]
    : [
        `amnesia needs Node.js ${want} or newer (22 LTS or 24); this is ${process.version} (${process.execPath}).`,
        '  Either install Node.js 24 on this machine (https://nodejs.org, or `nvm install 24`),',
        '  or give this project its own: `npm i -D node@24`, then run amnesia with `npx amnesia ...`',
        "  (npm puts the project's Node first on PATH for npx and npm scripts).",
      ];
  process.stderr.write(`[amnesia] ${lines.join('\n')}\n`);
  process.exit(2);
}
await import(fromSources ? sources.href : '../dist/cli/main.js');
