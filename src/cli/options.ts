import { Option } from '@commander-js/extra-typings';
import { RUNTIMES } from '../schema/runtime.ts';
import { OPEN_CHOICES } from './open-report.ts';

// The options several commands share, each declared once (vitest's cli-config is the model): a
// command adds the ones it takes, with its own wording where the meaning differs (`--replicas` of
// `run` applies to scenarios that set no topology; of `probe`, to the ladder).

const collect = (value: string, previous: string[]) => [...previous, value];

/** The report files `run`, `probe` and `merge-reports` write with `--report FORMAT=FILE`. */
export const REPORT_FORMATS = ['json', 'junit', 'markdown', 'html'] as const;

/** The report files `load` writes. */
export const LOAD_REPORT_FORMATS = ['json', 'html'] as const;

/** `a, b or c`. */
export const oneOf = (words: readonly string[]) =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;

export const options = {
  config: (text = 'the config file (default: ./amnesia.config.yaml)') =>
    new Option('-c, --config <file>', text),

  replicas: (text: string) => new Option('--replicas <n>', text),

  workers: (text: string) => new Option('--workers <n>', text),

  timeout: (text = 'per-turn timeout, e.g. 20s') => new Option('--timeout <duration>', text),

  runtime: () =>
    new Option('--runtime <runtime>', 'where the app runs, instead of the config `app.runtime`').choices(
      RUNTIMES,
    ),

  /** `--report <format=file>`, repeatable; `formats` are the ones the command writes. */
  report: (formats: readonly string[], what = 'a report') =>
    new Option(
      '--report <format=file>',
      `also write ${what}: ${oneOf(formats.map((f) => `${f}=FILE`))} (repeat for several)`,
    )
      .argParser(collect)
      .default([] as string[]),

  artifacts: (text: string) => new Option('--artifacts <dir>', text),

  /** When to open the HTML report in a browser (Playwright's `open` option, same words). */
  open: () =>
    new Option(
      '--open <when>',
      'open the html report in a browser: on-failure (on a terminal, never in CI), always, or never',
    )
      .choices(OPEN_CHOICES)
      .default('on-failure' as const),
};
