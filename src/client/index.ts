export { type SendChatOptions, sendChat } from './chat-client.ts';
export { CookieJar } from './cookie-jar.ts';
export { sessionId, slugify } from './session-id.ts';
export { readSse, type SseEvent } from './sse.ts';
export { assembleSse, type SseAssembly } from './sse-reply.ts';
export type { ChatFailure, ChatResult, ChatSpec, ExchangeEvidence } from './types.ts';
