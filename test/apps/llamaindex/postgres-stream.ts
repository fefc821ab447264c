// postgres-stream.ts — THE FIX (failure-table row ✓), streaming: POST /chat answers
// text/event-stream, `data: {"delta":"…"}` per chunk and a final `data: [DONE]`, from
// `engine.chat({ message, stream: true })` read to its end (LlamaIndex stores the assistant turn
// only when the stream is fully read). The memory code is exactly postgres-append.ts's (imported below).
// Models: a streaming chat UI. Checks amnesia's SSE reply assembly.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓.
import { transport } from './lib/http.ts';

transport.stream = true;
await import('./postgres-append.ts');
