import { runCli } from './program.ts';

// A closed terminal (SIGHUP) makes writes fail: amnesia must still stop what it started, quietly.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
