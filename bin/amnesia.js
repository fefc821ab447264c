#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on any Node to say clearly when that Node is too old
// (an install with --ignore-scripts silently falls back to the system's Node 20).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18) || !process.features.typescript) {
  process.stderr.write(
    `[amnesia] amnesia needs Node.js 22.18 or newer (24 recommended); this is ${process.version}.\n` +
      "  Run it through npm so the project's Node 24 comes first on PATH: `npx amnesia ...` or `npm run ...`.\n" +
      '  If npm installed with --ignore-scripts, the `node` package could not set itself up: run `npm rebuild node`.\n' +
      '  Or install Node 24 from https://nodejs.org.\n',
  );
  process.exit(2);
}
await import('../src/cli/main.ts');
