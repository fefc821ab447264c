// postgres-cookie.ts — THE FIX (failure-table row ✓), served with a cookie session: POST /chat takes
// {"message"} only; the session is cookie `sid`, minted and set with Set-Cookie when absent.
// Models: a browser chat UI whose server names sessions by cookie. The memory code is exactly
// postgres-append.ts's (imported below), only the transport differs: it checks that amnesia keeps one
// cookie jar per session, shared by every worker it routes that session to.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓.
import { transport } from './lib/http.ts';

transport.session = 'cookie';
await import('./postgres-append.ts');
