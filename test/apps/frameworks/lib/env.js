// What every framework app takes from amnesia's environment. The frameworks' OpenAI clients read
// OPENAI_BASE_URL themselves (each app relies on that, as its docs do); checking it here first
// means an app started without it fails at boot instead of calling the real API.
if (!process.env.OPENAI_BASE_URL)
  throw new Error('OPENAI_BASE_URL is not set (it must point at the mock LLM, ending in /v1)');
process.env.OPENAI_API_KEY ??= 'amnesia';

export const model = 'gpt-4o-mini';
export const systemPrompt = 'You are a helpful assistant. Answer briefly.';

/** DATABASE_URL, for the apps that keep memory in PostgreSQL. */
export function databaseUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}
