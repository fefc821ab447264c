import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { painter } from '../report/paint.ts';
import { LOAD_REPORT_FORMATS, options, REPORT_FORMATS } from './options.ts';
import { type Io, printProblems, reportError, wantsColor } from './output.ts';

// Each command imports what it needs when it runs: `amnesia --version` and `amnesia validate`
// must not pay for the engine, the mock LLM or the reports (start-up time is measured in bench/).

/** The package's own version (src/cli and dist/cli are both two folders below package.json). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The amnesia CLI. Returns the exit status; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let status = 0;
  const program = new Command('amnesia')
    .description(
      'Prove that an LLM chat app keeps its memory across workers, replicas, crashes and redeploys.',
    )
    .version(version(), '-v, --version', 'print the version of amnesia')
    .showHelpAfterError('(run `npx amnesia --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('validate')
    .description('check amnesia.config.yaml and scenario files; exit 0 when valid, 2 when not')
    .argument(
      '[files...]',
      'scenario files, folders or globs (default: the config `scenarios`, or scenarios/)',
    )
    .addOption(options.config('the config file (default: ./amnesia.config.yaml if present)'))
    .action(async (files, opts) => {
      const { load } = await import('../validate.ts');
      const loaded = await load({
        patterns: files,
        cwd: io.cwd,
        ...(opts.config ? { config: opts.config } : {}),
      });
      if (loaded.problems.length) {
        printProblems(io, loaded.problems);
        status = 2;
        return;
      }
      const ok = painter(wantsColor(io.stdout, io.env))('green', '✓');
      const cfg = loaded.config.file
        ? path.relative(io.cwd, loaded.config.file)
        : 'no config file (defaults)';
      io.stdout.write(`${ok} ${cfg}\n`);
      for (const s of loaded.scenarios)
        io.stdout.write(`${ok} ${path.relative(io.cwd, s.file)}  ${s.name}\n`);
      io.stdout.write(
        `${loaded.scenarios.length} scenario${loaded.scenarios.length === 1 ? '' : 's'} valid\n`,
      );
    });

  program
    .command('run')
    .description(
      'run scenarios against the app in replicas × workers; exit 0 all passed, 1 a scenario failed, 2 bad input or an error',
    )
    .argument('[files...]', 'scenario files, folders or globs (default: the config `scenarios`)')
    .addOption(options.config())
    .option('-t, --tags <tags>', 'only scenarios with one of these comma-separated tags')
    .option('--bail', 'stop after the first scenario that does not pass')
    .addOption(options.timeout('per-turn timeout for every scenario, e.g. 20s'))
    .option('--seed <n>', 'seed for random routing (printed by every run, for replays)')
    .option('--concurrency <n>', 'scenarios at once, each on its own topology', '1')
    .addOption(options.replicas("replicas for scenarios that set no topology (default: the config's)"))
    .addOption(
      options.workers("workers per replica for scenarios that set no topology (default: the config's)"),
    )
    .option(
      '--shard <i/n>',
      'run only part i of n of the scenarios (split by scenario, the same on every machine)',
    )
    .option(
      '--shard-durations <report.json>',
      "balance the split by the durations in a previous run's JSON report",
    )
    .addOption(options.report(REPORT_FORMATS))
    .addOption(
      options.artifacts('where failed scenarios leave logs and evidence (default .amnesia/runs/<run id>)'),
    )
    .addOption(
      new Option(
        '--probe <when>',
        'run the probe ladder for failed scenarios, also once for the whole run, or never',
      )
        .choices(['on-failure', 'always', 'never'] as const)
        .default('on-failure' as const),
    )
    .addOption(options.runtime())
    .addOption(options.open())
    .action(async (files, opts) => {
      const { runCommand } = await import('./run-command.ts');
      status = await runCommand(files, opts, io);
    });

  program
    .command('merge-reports')
    .description(
      "merge the JSON reports of a suite's shards into one result and report it; exit as the whole suite would",
    )
    .argument('<reports...>', 'JSON report files or globs (from `run --shard i/n --report json=FILE`)')
    .addOption(options.report(REPORT_FORMATS, 'the merged report'))
    .action(async (reports, opts) => {
      const { mergeReportsCommand } = await import('./merge-command.ts');
      status = await mergeReportsCommand(reports, opts, io);
    });

  program
    .command('probe')
    .description(
      'run the probe ladder alone and classify how the app keeps memory; exit 0 kept everywhere, 1 lost or leaked, 2 could not probe',
    )
    .addOption(options.config())
    .addOption(options.replicas('replicas for the ladder (default: the config topology)'))
    .addOption(options.workers('workers per replica for the ladder (default: the config topology)'))
    .addOption(options.runtime())
    .addOption(options.report(REPORT_FORMATS))
    .addOption(options.open())
    .action(async (opts) => {
      const { probeCommand } = await import('./run-command.ts');
      status = await probeCommand(opts, io);
    });

  program
    .command('load')
    .description(
      'many synthetic sessions at once against the app, while a scenario’s disruptions run, then a sweep after each; counts every memory kept, lost or leaked; exit 0 none lost or leaked and no failed turn beyond --max-failed, 1 otherwise, 2 could not load',
    )
    .argument(
      '[scenario]',
      'a scenario whose disruptions run during the load, at their share of the turns (default: the config `load.scenario`)',
    )
    .addOption(options.config())
    .option('--sessions <n>', 'synthetic chat sessions (default: the config `load.sessions`, else 100)')
    .option('--turns <n>', 'turns per session, at least 2 (default: the config `load.turns`, else 5)')
    .option(
      '--concurrency <n>',
      'sessions in flight at once, one turn each (default: the config `load.concurrency`, else 16)',
    )
    .addOption(options.replicas("replicas, unless the scenario sets a topology (default: the config's)"))
    .addOption(
      options.workers("workers per replica, unless the scenario sets a topology (default: the config's)"),
    )
    .addOption(options.timeout())
    .option(
      '--max-failed <share>',
      'failed turns accepted, a share such as 0.5% or a number of turns (default: the config `load.max_failed`, else 0)',
    )
    .addOption(options.report(LOAD_REPORT_FORMATS, 'the result'))
    .addOption(options.artifacts('where a load that lost, leaked or failed leaves logs and its result'))
    .addOption(options.runtime())
    .addOption(options.open())
    .action(async (scenario, opts) => {
      const { loadCommand } = await import('./load-command.ts');
      status = await loadCommand(scenario, opts, io);
    });

  program
    .command('init')
    .description('write a starter amnesia.config.yaml and scenarios/remembers-name.yaml')
    .option('-f, --force', 'overwrite existing files')
    .action(async (opts) => {
      const { init } = await import('./init.ts');
      const { written, skipped, detected } = await init(io.cwd, Boolean(opts.force));
      for (const f of written) io.stdout.write(`wrote ${f}\n`);
      for (const f of skipped) io.stdout.write(`kept ${f} (exists; --force overwrites)\n`);
      if (!written.includes('amnesia.config.yaml')) return;
      io.stdout.write(
        detected.command
          ? `app.command: ${detected.command}  (from ${detected.source})\n`
          : 'app.command: could not tell how your app starts: fill it in (amnesia.config.yaml says how)\n',
      );
      io.stdout.write(
        'next: set chat.path to your chat endpoint in amnesia.config.yaml, then run `npx amnesia run`\n',
      );
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors with the YAML language server)')
    .option('--config', 'print the schema of amnesia.config.yaml instead')
    .option('--write [dir]', 'write amnesia.schema.json and amnesia.config.schema.json into dir (default .)')
    .action(async (opts) => {
      const { configJsonSchema, SCHEMA_FILES, scenarioJsonSchema } = await import('../schema/json-schema.ts');
      if (opts.write !== undefined) {
        const dir = path.resolve(io.cwd, typeof opts.write === 'string' ? opts.write : '.');
        await writeFile(
          path.join(dir, SCHEMA_FILES.scenario),
          `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`,
        );
        await writeFile(
          path.join(dir, SCHEMA_FILES.config),
          `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
        );
        io.stdout.write(`wrote ${SCHEMA_FILES.scenario} and ${SCHEMA_FILES.config} in ${dir}\n`);
        return;
      }
      io.stdout.write(
        `${JSON.stringify(opts.config ? configJsonSchema() : scenarioJsonSchema(), null, 2)}\n`,
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are not errors; usage mistakes are bad input (2).
      return e.exitCode === 0 ? 0 : 2;
    }
    return reportError(io, e);
  }
  return status;
}
