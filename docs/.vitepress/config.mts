import { defineConfig } from 'vitepress';

// The docs site: `npm run docs:build` (test/docs/site.test.ts builds it on every `npm test`, so a dead
// internal link fails CI). Nothing here reaches the network: no web fonts, analytics or search service.
const guide = [
  { text: 'Getting started', link: '/guide/getting-started' },
  { text: 'Commands', link: '/guide/cli' },
  { text: 'How a run works', link: '/guide/how-a-run-works' },
  { text: 'The failure table', link: '/guide/failure-table' },
  { text: 'Field guide: frameworks', link: '/guide/field-guide' },
  { text: 'Reports and artifacts', link: '/guide/reports' },
  { text: 'Load: memory under traffic', link: '/guide/load' },
  { text: 'The GitHub Action', link: '/guide/github-action' },
  { text: 'Use it from vitest', link: '/guide/vitest' },
  { text: 'Containers', link: '/guide/containers' },
  { text: 'Programmatic use', link: '/guide/programmatic' },
  { text: 'Development', link: '/guide/development' },
];

const reference = [
  { text: 'Writing scenarios', link: '/reference/scenarios' },
  { text: 'Scenario keys', link: '/reference/scenario-keys' },
  { text: 'amnesia.config.yaml', link: '/reference/config' },
  { text: 'Config keys', link: '/reference/config-keys' },
];

export default defineConfig({
  title: 'amnesia',
  description:
    'Regression tests that prove an LLM chat app keeps its memory across workers, replicas, crashes and redeploys',
  cleanUrls: true,
  lastUpdated: false,
  markdown: {
    // Inline code is shown as written: `{{port}}` and `${{ github.token }}` are amnesia's and
    // GitHub's placeholders, not Vue's (VitePress already does this for fenced blocks).
    config(md) {
      const render = md.renderer.rules.code_inline;
      md.renderer.rules.code_inline = (tokens, idx, options, env, self) =>
        (render?.(tokens, idx, options, env, self) ?? '').replace(/^<code/, '<code v-pre');
    },
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Reference', link: '/reference/scenarios' },
    ],
    sidebar: [
      { text: 'Guide', items: guide },
      { text: 'Reference', items: reference },
    ],
    outline: { level: [2, 3] },
  },
});
