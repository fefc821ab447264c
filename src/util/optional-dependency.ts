import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AmnesiaError } from '../errors.ts';

/** An npm package only some users need: loaded on first use, with how to get it when missing. */
export interface OptionalDependency {
  /** The package name, e.g. `testcontainers`. */
  name: string;
  /** The version range users should install, e.g. `12.2.0`. */
  version: string;
  /** What needs it, e.g. `the container runtime (app.runtime: container)`. */
  feature: string;
}

/** A feature the user asked for needs a package that is not installed (exit 2). */
export class MissingDependencyError extends AmnesiaError {
  readonly dependency: string;
  constructor(dep: OptionalDependency, cause?: unknown) {
    super(
      'AMNESIA_MISSING_DEPENDENCY',
      `${dep.feature} needs the npm package ${dep.name}, which is not installed.\n` +
        `  Install it next to amnesia: npm i -D ${dep.name}@${dep.version}`,
      cause === undefined ? undefined : { cause },
    );
    this.dependency = dep.name;
  }
}

/**
 * Where to look for an optional package: the user's project first (the folder amnesia runs in:
 * where `npm i -D` put it, also when amnesia itself runs from a bundle elsewhere, as the Action
 * does), then amnesia's own installation. Resolved with `require` rules: both optional packages
 * (testcontainers, pglite-socket) ship a CommonJS entry, and `import.meta.resolve` takes no parent.
 */
function resolveFrom(name: string, cwd: string): string {
  let last: unknown;
  for (const base of [path.join(cwd, 'package.json'), import.meta.url]) {
    try {
      return createRequire(base).resolve(name);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** The file a package's main entry resolves to (for packages amnesia runs as a child process). */
export function resolveOptional(dep: OptionalDependency, cwd = process.cwd()): string {
  try {
    return resolveFrom(dep.name, cwd);
  } catch (e) {
    throw new MissingDependencyError(dep, e);
  }
}

/** Import an optional package, or throw MissingDependencyError saying how to install it. */
export async function importOptional<T>(dep: OptionalDependency, cwd = process.cwd()): Promise<T> {
  const file = resolveOptional(dep, cwd);
  return (await import(pathToFileURL(file).href)) as T;
}
