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

/**
 * The one amnesia comment for `key` on the pull request, updated in place, or created when there is
 * none. `render` gets the record of the comment it replaces, for the "since the last run" section.
 */
export async function upsertComment(
  octokit: Octokit,
  pr: PullRequest,
  key: string,
  render: (previous: CommentRecord | undefined) => string,
): Promise<{ url: string; created: boolean }> {
  const where = { owner: pr.owner, repo: pr.repo };
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...where,
    issue_number: pr.number,
    per_page: 100,
  });
  for (const comment of comments) {
    const previous = readCommentRecord(comment.body ?? '');
    if (previous?.key !== key) continue;
    const { data } = await octokit.rest.issues.updateComment({
      ...where,
      comment_id: comment.id,
      body: render(previous),
    });
    return { url: data.html_url, created: false };
  }
  const { data } = await octokit.rest.issues.createComment({
    ...where,
    issue_number: pr.number,
    body: render(undefined),
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
