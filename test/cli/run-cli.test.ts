import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicProject } from '../helpers/basic-app.ts';
import { runAmnesia } from '../helpers/cli.ts';

const CROSS_WORKER = `name: cross-worker follow-up
steps:
  - user: I live in Lisbon and my cat is called Miso.
    on: r1w1
  - user: What is my cat called?
    on: r1w2
    expect:
      recall: [Miso]
`;

describe.concurrent('amnesia run / probe (the real CLI)', () => {
  it('run: a broken app exits 1 with the failed turn, the signature and the diagnosis; reports are written', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', { 'scenarios/cross-worker.yaml': CROSS_WORKER });
    const r = await runAmnesia(
      ['run', '--seed', '5', '--report', 'junit=out/amnesia.xml', '--report', 'markdown=out/summary.md'],
      { cwd: project.dir },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/amnesia {2}1 scenario {2}seed 5 {2}run \S+/);
    expect(r.stdout).toMatch(/✗ main#2 → r1w2 pid \d+ +\d+ ms +recall "Miso" ✗/);
    expect(r.stdout).toContain(
      'forgot "Miso": said in main#1 on r1w1, missing from what the app sent the LLM',
    );
    expect(r.stdout).toContain(
      'why        main#2: since main#1 (r1w1) it went to another worker of the replica (r1w2), where the probe lost its fact too (OW ✗): row 2',
    );
    expect(r.stdout).toContain("→ row 2: state lives in one process's RAM: move it to a shared store");
    expect(r.stdout).toContain(
      'replay     npx amnesia run scenarios/cross-worker.yaml --seed 5 -c amnesia.config.yaml',
    );
    // Read top to bottom, the output says each thing once: one result line, one signature, one
    // topology for the ladder, and a rung's fresh session is not tagged with earlier rungs' disruptions.
    const once = (re: RegExp) => expect(r.stdout.match(re), String(re)).toHaveLength(1);
    once(/SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗/g);
    once(/✗ failed/g);
    once(/\(2 × 2\)/g);
    once(/row 2: per-session memory in a process-global map/g);
    expect(r.stdout).not.toMatch(/probe-\w+#1 → \S+ pid \d+ \(after/);
    expect(r.stdout).toContain('  ⋯ probe ladder on a fresh 2 × 2 topology, a fresh session per rung:');
    expect(r.stdout).toMatch(/1 scenario: 0 passed, 1 failed, 0 errors/);
    expect(await readFile(path.join(project.dir, 'out/amnesia.xml'), 'utf8')).toContain('<failure');
    expect(await readFile(path.join(project.dir, 'out/summary.md'), 'utf8')).toContain('```mermaid');
  });

  it('run: the correct app exits 0', { timeout: 120_000 }, async () => {
    await using project = await basicProject('postgres', { 'scenarios/cross-worker.yaml': CROSS_WORKER });
    const r = await runAmnesia(['run'], { cwd: project.dir });
    expect(r.stdout).toMatch(/1 scenario: 1 passed, 0 failed, 0 errors/);
    expect(r.code).toBe(0);
  });

  it('probe: prints the signature and the row, exit 1 for a broken app', { timeout: 120_000 }, async () => {
    await using project = await basicProject('disk', {});
    const r = await runAmnesia(['probe'], { cwd: project.dir });
    expect(r.stdout).toContain('probe ladder (2 × 2)  SW ✓ OW ✓ OR ✗ RS ✓ CR ✓ CI ✓ RD ✗ CC ✗');
    expect(r.stdout).toContain('row 3: state on the local disk');
    expect(r.code).toBe(1);
  });

  it('probe: a 1 × 1 topology skips the rungs it cannot have and says so', { timeout: 120_000 }, async () => {
    await using project = await basicProject('postgres', {});
    const r = await runAmnesia(['probe', '--replicas', '1', '--workers', '1'], { cwd: project.dir });
    expect(r.stdout).toContain('probe ladder (1 × 1)  SW ✓ OW – OR – RS ✓ CR ✓ CI ✓ RD ✓ CC –');
    expect(r.stdout).toContain('OW  other worker of the replica  (skipped: needs 2 workers per replica)');
    expect(r.stdout).toContain('OR  other replica  (skipped: needs 2 replicas)');
    expect(r.stdout).toContain(
      'CC  two turns of one session at once, on two workers  (skipped: needs 2 workers)',
    );
    expect(r.code).toBe(0);
  });

  it('run: bad input exits 2 before starting anything', async () => {
    await using project = await basicProject('global', {
      'scenarios/bad.yaml': 'name: x\nsteps:\n  - crash: r9\n',
    });
    const r = await runAmnesia(['run'], { cwd: project.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3:5 steps\[0\]\.crash: `r9` does not exist/);
  });
});
