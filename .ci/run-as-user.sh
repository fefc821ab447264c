#!/usr/bin/env bash
# The part of CI that runs as an unprivileged user, as GitHub's hosted runners do (uid 1001,
# not root: no overlay mounts, so replicas are real copies). Run as root by .ci/run after
# `npm ci`; it can also run alone, from a checkout whose node_modules is installed.
#
# It creates the user (idempotent), gives it its own copy of this checkout (node_modules
# included, so nothing is installed again) with its own HOME and npm cache, and runs as that
# user: the packed-install tests, the Action tests, and the README's main job
# (`npx amnesia run` from the repository root, every scenario passing).
#
# It writes .amnesia/test-results-user.json in this checkout: vitest's JSON report of that run,
# with the main job added as one more test, for .ci/run's "N passed, N failed" line.
# Exit status: 0 when everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
user=${AMNESIA_CI_USER:-amnesia-ci}
report=$repo/.amnesia/test-results-user.json
mkdir -p "$repo/.amnesia"
rm -f "$report"

if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$user"
fi
home=$(getent passwd "$user" | cut -d: -f6)
uid=$(id -u "$user")
if [ "$uid" -eq 0 ]; then
  echo "$user is root: this part of CI must run as an unprivileged user" >&2
  exit 1
fi

# Its own copy of the checkout, owned by it (a real copy, not hard links: chown on a hard link
# would change the owner of this checkout's files too). No .amnesia/ folder goes in (reports,
# artifacts, replica copies of a run in progress).
copy=$home/checkout
rm -rf "$copy"
mkdir -p "$copy"
tar -C "$repo" --exclude=.amnesia --exclude=./coverage --exclude=./test/apps/frameworks/node_modules -cf - . | tar -C "$copy" -xf -
chown -R "$user:" "$copy"
mkdir -p "$home/.npm"
chown "$user:" "$home" "$home/.npm"

# Only what a runner's shell has: its own HOME and npm cache (never root's), the system PATH.
as_user() {
  runuser -u "$user" -- env -i \
    HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash \
    PATH="$PATH" LANG=C.UTF-8 TMPDIR=/tmp CI=true NO_COLOR=1 \
    npm_config_cache="$home/.npm" \
    bash -c 'cd "$1" && shift && "$@"' as-user "$copy" "$@"
}

echo "as $user (uid $uid): vitest on test/package/packed.test.ts and test/action/"
set +e
as_user npx vitest run test/package/packed.test.ts test/action/ \
  --reporter=default --reporter=json --outputFile.json=.amnesia/test-results.json
vitest_status=$?
set -e

echo "as $user (uid $uid): npx amnesia run (the README's main job)"
set +e
as_user npx amnesia run 2>&1 | tee "$repo/.amnesia/main-job-user.log"
job_status=${PIPESTATUS[0]}
set -e

# vitest's report, plus the main job as one test: passed when it exited 0 and every scenario passed.
set +e
node_modules/.bin/node -e '
const fs = require("node:fs");
const [file, log, status] = process.argv.slice(1);
const empty = { numPassedTests: 0, numFailedTests: 0, testResults: [] };
const r = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : empty;
const text = fs.readFileSync(log, "utf8");
const m = /^(\d+) scenarios?: (\d+) passed/m.exec(text);
const ok = status === "0" && m !== null && Number(m[1]) > 0 && m[1] === m[2];
const line = m ? m[0] : "no summary line";
r.numPassedTests += ok ? 1 : 0;
r.numFailedTests += ok ? 0 : 1;
r.testResults.push({
  name: "README main job (npx amnesia run, as an unprivileged user)",
  status: ok ? "passed" : "failed",
  message: ok ? "" : `exit ${status}: ${line}`,
  assertionResults: [{ fullName: "npx amnesia run: every scenario passes", status: ok ? "passed" : "failed" }],
});
process.stdout.write(JSON.stringify(r));
console.error(`main job as an unprivileged user: ${ok ? "passed" : "FAILED"} (exit ${status}, ${line})`);
process.exitCode = ok ? 0 : 1;
' "$copy/.amnesia/test-results.json" "$repo/.amnesia/main-job-user.log" "$job_status" >"$report"
job_ok=$?
set -e
[ "$vitest_status" -eq 0 ] && [ "$job_ok" -eq 0 ]
