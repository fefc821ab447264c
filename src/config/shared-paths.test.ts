import { describe, expect, it } from 'vitest';
import { appFolderPaths, sharedPaths } from './shared-paths.ts';

const app = (env: Record<string, string>) => ({ app: { cwd: '/work/app', env } }) as never;

describe('sharedPaths', () => {
  it('finds an absolute folder every replica is handed: as if on a network volume', () => {
    expect(sharedPaths(app({ MEMORY_DIR: '/srv/shared', LOG_LEVEL: 'info' }))).toEqual([
      { env: 'MEMORY_DIR', path: '/srv/shared' },
    ]);
    expect(sharedPaths(app({ DB: '/tmp/../var/lib/app.db' }))).toEqual([
      { env: 'DB', path: '/var/lib/app.db' },
    ]);
  });

  it("leaves out per-replica paths, the app's own folder, system folders, URLs and lists", () => {
    expect(
      sharedPaths(
        app({
          A: '{{data_dir}}/memory',
          B: '/srv/r{{replica}}',
          C: '/tmp/app-{{port}}',
          D: '/work/app/storage',
          E: '/usr/bin/python3',
          F: '/etc/ssl/certs/ca.pem',
          G: '{{llm_base_url}}',
          H: 'http://127.0.0.1:9200',
          I: '/usr/local/bin:/usr/bin',
          J: './storage',
        }),
      ),
    ).toEqual([]);
  });
});

describe('appFolderPaths', () => {
  it('finds the paths into the app folder (absolute or ./), which each replica has its own copy of', () => {
    expect(
      appFolderPaths(
        app({
          A: '/work/app/sessions',
          B: './storage',
          C: '/srv/shared',
          D: '{{shared_dir}}/sessions',
          E: 'info',
          F: '../elsewhere',
          G: 'http://127.0.0.1:9200',
        }),
      ),
    ).toEqual([
      { env: 'A', path: '/work/app/sessions' },
      { env: 'B', path: '/work/app/storage' },
    ]);
  });
});
