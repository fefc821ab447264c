import { getResponse, HttpResponse, http, type RequestHandler } from 'msw';
import { type ListeningServer, listen } from '../../src/llm/http-adapter.ts';

export interface StoredComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

export type Route = 'list' | 'create' | 'update' | 'user' | 'viewer';

export interface ApiCall {
  route: Route;
  method: string;
  path: string;
  authorization: string | null;
  body?: { body?: string };
}

/**
 * The part of GitHub's REST API the Action uses (issue comments: list with pagination, create,
 * update), built from msw handlers and served on 127.0.0.1, since @actions/github's own undici
 * fetch is beyond msw's in-process interception (@actions/github 9 sends with its own undici, not the global fetch). A route can be made to fail.
 */
export class GitHubApiStandIn implements AsyncDisposable {
  readonly comments: StoredComment[] = [];
  readonly calls: ApiCall[] = [];
  /**
   * Who the token is, as `GET /user` answers; undefined answers 403 "Resource not accessible by
   * integration", as GitHub does for the default GITHUB_TOKEN (whose comments are github-actions[bot]'s).
   */
  tokenUser: string | undefined;
  /** Who GraphQL's `viewer` says an app's token is (the default token's is github-actions[bot]). */
  appBot = 'github-actions[bot]';
  private readonly failures = new Map<Route, () => Response>();
  private server!: ListeningServer;
  private nextId = 1000;

  static async start(): Promise<GitHubApiStandIn> {
    const api = new GitHubApiStandIn();
    const handlers = api.handlers();
    api.server = await listen({
      host: '127.0.0.1',
      port: 0,
      accept:
        () =>
        async ({ request }) =>
          (await getResponse(handlers, request(), { baseUrl: api.url, quiet: true })) ??
          HttpResponse.json({ message: 'Not Found' }, { status: 404 }),
    });
    return api;
  }

  get url(): string {
    return this.server.url;
  }

  /** Every later call of `route` gets this answer, until `reset`. */
  fail(route: Route, status: number, headers: Record<string, string> = {}): void {
    this.failures.set(route, () =>
      HttpResponse.json(
        { message: `stand-in failure ${status}`, documentation_url: 'https://docs.github.com/rest' },
        { status, headers },
      ),
    );
  }

  reset(): void {
    this.tokenUser = undefined;
    this.appBot = 'github-actions[bot]';
    this.failures.clear();
    this.comments.length = 0;
    this.calls.length = 0;
  }

  /** Someone else's comment on the pull request (a reviewer, another bot). */
  addComment(body: string, login = 'octocat'): StoredComment {
    const comment = {
      id: this.nextId++,
      body,
      html_url: `https://github.com/acme/chat/pull/7#issuecomment-${this.nextId}`,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    };
    this.comments.push(comment);
    return comment;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.server.close();
  }

  private handlers(): RequestHandler[] {
    const record = async (route: Route, request: Request) => {
      const call: ApiCall = {
        route,
        method: request.method,
        path: new URL(request.url).pathname,
        authorization: request.headers.get('authorization'),
      };
      if (request.method !== 'GET') call.body = (await request.clone().json()) as { body?: string };
      this.calls.push(call);
      return this.failures.get(route)?.();
    };
    return [
      http.get('/user', async ({ request }) => {
        const failure = await record('user', request);
        if (failure) return failure;
        if (!this.tokenUser)
          return HttpResponse.json(
            {
              message: 'Resource not accessible by integration',
              documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
              status: '403',
            },
            { status: 403 },
          );
        return HttpResponse.json({ login: this.tokenUser, id: 4242, type: 'User' });
      }),
      http.post('/graphql', async ({ request }) => {
        const failure = await record('viewer', request);
        if (failure) return failure;
        const { query } = (await request.json()) as { query: string };
        if (!/viewer\s*\{\s*login\s*\}/.test(query))
          return HttpResponse.json({
            errors: [{ message: `the stand-in answers only viewer { login }: ${query}` }],
          });
        return HttpResponse.json({ data: { viewer: { login: this.tokenUser ?? this.appBot } } });
      }),
      http.get('/repos/:owner/:repo/issues/:number/comments', async ({ request }) => {
        const failure = await record('list', request);
        if (failure) return failure;
        const url = new URL(request.url);
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const items = this.comments.slice((page - 1) * perPage, page * perPage);
        const last = Math.max(1, Math.ceil(this.comments.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last) {
          url.searchParams.set('page', String(page + 1));
          headers.link = `<${url.href}>; rel="next"`;
        }
        return HttpResponse.json(items, { headers });
      }),
      http.post('/repos/:owner/:repo/issues/:number/comments', async ({ request, params }) => {
        const failure = await record('create', request);
        if (failure) return failure;
        const { body } = (await request.json()) as { body: string };
        const comment: StoredComment = {
          id: this.nextId++,
          body,
          html_url: `https://github.com/${params.owner}/${params.repo}/pull/${params.number}#issuecomment-${this.nextId}`,
          user: this.tokenUser
            ? { login: this.tokenUser, type: 'User' }
            : { login: this.appBot, type: 'Bot' },
        };
        this.comments.push(comment);
        return HttpResponse.json(comment, { status: 201 });
      }),
      http.patch('/repos/:owner/:repo/issues/comments/:id', async ({ request, params }) => {
        const failure = await record('update', request);
        if (failure) return failure;
        const comment = this.comments.find((c) => c.id === Number(params.id));
        if (!comment) return HttpResponse.json({ message: 'Not Found' }, { status: 404 });
        comment.body = ((await request.json()) as { body: string }).body;
        return HttpResponse.json(comment);
      }),
    ];
  }
}
