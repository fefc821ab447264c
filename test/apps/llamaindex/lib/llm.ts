// The LLM every app under test talks to: amnesia's mock at OPENAI_BASE_URL (one base URL per
// worker, ending in /v1), a known model name (an unknown one gets a 1,024-token window and
// history is silently cut) and no retries (a refused connection would otherwise hang ~50 s).
import type { ChatMessage } from '@llamaindex/core/llms';
import { OpenAI } from '@llamaindex/openai';

const baseURL = process.env.OPENAI_BASE_URL;
if (!baseURL) throw new Error('OPENAI_BASE_URL is not set (it must point at the mock LLM, ending in /v1)');
export const openAiOptions = { apiKey: process.env.OPENAI_API_KEY ?? 'amnesia', baseURL, maxRetries: 0 };

export const llm = new OpenAI({ model: 'gpt-4o-mini', ...openAiOptions });

export const systemPrompt = 'You are a helpful assistant. Answer briefly.';
/** The first message of every new conversation. */
export const systemMessage: ChatMessage = { role: 'system', content: systemPrompt };
