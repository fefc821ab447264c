import type { getOctokit } from '@actions/github';
import type { CommentRecord } from '../src/index.ts';
import { readCommentRecord } from '../src/index.ts';

/** The part of @actions/github's `context` the Action reads. */
export interface GitHubContext {
  eventName: string;
  payload: { pull_request?: { number: number; [key: string]: unknown }; [key: string]: unknown };
  repo: { owner: string; repo: string };
  runId: number;
  serverUrl: string;
  apiUrl: string;
}

/** The fields of a `pull_request` payload the Action reads (a fork's deleted repository is null). */
interface PullRequestRefs {
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

export interface PullRequest {
  owner: string;
  repo: string;
  number: number;
  /** The head commit (not the merge commit the runner checked out). */
  commit: string;
  /** From a fork, on `pull_request`: the token is read-only. */
  fromFork: boolean;
}

export type Octokit = ReturnType<typeof getOctokit>;

/** @actions/github's `context` and `getOctokit`, or stand-ins. */
export interface GitHub {
  context: GitHubContext;
  getOctokit: typeof getOctokit;
}

/** The pull request this run is for, or undefined for any other event (push, schedule, …). */
export function pullRequestOf(context: GitHubContext): PullRequest | undefined {
  const pr = context.payload.pull_request;
  if (!pr) return undefined;
  const { head, base } = pr as PullRequestRefs;
  const headRepo = head?.repo?.full_name;
  return {
    ...context.repo,
    number: pr.number,
    commit: head?.sha ?? '',
    // pull_request_target runs in the base repository with its token: it can comment.
    fromFork: context.eventName === 'pull_request' && (!headRepo || headRepo !== base?.repo?.full_name),
  };
}

/** Where this run's job summary is. */
export function runUrl(context: GitHubContext): string | undefined {
  if (!Number.isInteger(context.runId)) return undefined;
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
}

/** The login GitHub gives the default token (`GITHUB_TOKEN`) when it writes a comment. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Who the token is. `GET /user` answers for a personal access token; an app's token, the default
 * `GITHUB_TOKEN` included, may not call it (403 "Resource not accessible by integration"), but
 * GraphQL's `viewer` names it (`my-app[bot]`), as marocchino/sticky-pull-request-comment asks (its
 * PR #332: a comment must be matched by its author as well as by its marker, since anyone can quote
 * the marker). When neither answers: `github-actions[bot]`, the default token's.
 */
export async function tokenLogin(octokit: Octokit): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    if (data.login) return data.login;
  } catch {
    // not a user's token
  }
  try {
    const { viewer } = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
    if (viewer?.login) return viewer.login;
  } catch {
    // GraphQL refused too
  }
  return ACTIONS_BOT;
}

/** A bot's login is `name[bot]` on REST and `name` on GraphQL: compare without the suffix. */
const sameLogin = (a: string, b: string) => a.replace(/\[bot\]$/, '') === b.replace(/\[bot\]$/, '');

/**
 * The one amnesia comment for `key` on the pull request, updated in place, or created when there is
 * none. Only a comment the token itself wrote is ever updated or read: a reviewer's comment quoting
 * the marker is left alone, and its record is never trusted. `render` gets the record of the
 * comment it replaces, for the "since the last run" section. A comment deleted between the list
 * and the update (404) is written again as a new one.
 */
export async function upsertComment(
  octokit: Octokit,
  pr: PullRequest,
  key: string,
  render: (previous: CommentRecord | undefined) => string,
  login: () => Promise<string> = () => tokenLogin(octokit),
): Promise<{ url: string; created: boolean }> {
  const where = { owner: pr.owner, repo: pr.repo };
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...where,
    issue_number: pr.number,
    per_page: 100,
  });
  const candidates = comments.flatMap((comment) => {
    const record = readCommentRecord(comment.body ?? '');
    return record?.key === key ? [{ comment, record }] : [];
  });
  // Asked only when there is a comment to update: a first run makes no extra call.
  const self = candidates.length > 0 ? await login() : undefined;
  const own = candidates.find((c) => self !== undefined && sameLogin(c.comment.user?.login ?? '', self));
  if (own) {
    try {
      const { data } = await octokit.rest.issues.updateComment({
        ...where,
        comment_id: own.comment.id,
        body: render(own.record),
      });
      return { url: data.html_url, created: false };
    } catch (e) {
      if ((e as { status?: unknown }).status !== 404) throw e;
    }
  }
  const { data } = await octokit.rest.issues.createComment({
    ...where,
    issue_number: pr.number,
    body: render(own?.record),
  });
  return { url: data.html_url, created: true };
}

/** Why the GitHub API refused, in a sentence that says what to do. */
export function apiFailure(e: unknown): string {
  const status = (e as { status?: unknown }).status;
  const headers = ((e as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ??
    {}) as Record<string, string | undefined>;
  const detail = e instanceof Error ? e.message : String(e);
  if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0'))
    return `GitHub's rate limit was reached (${status}): ${detail}`;
  if (status === 403)
    return `the token may not write comments (403): give the job \`permissions: pull-requests: write\`. ${detail}`;
  if (status === 404)
    return `the pull request or comment was not found (404), or the token cannot see it: ${detail}`;
  if (typeof status === 'number' && status >= 500) return `GitHub answered ${status}: ${detail}`;
  return detail;
}
