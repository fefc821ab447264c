// tools.ts — an agent whose long-term memory is two tools (the pattern of memory libraries): the
// model calls save_memory to keep a fact and recall_memory to read the session's facts back; the app
// runs each call against PostgreSQL (DATABASE_URL), keyed by session, and sends the result back to
// the model (Responses API `function_call_output`, chained by `previous_response_id` within the turn).
// No conversation history: what the model knows of earlier turns comes through the tools alone.

import OpenAI from 'openai';
import pg from 'pg';
import { createTable, serveTurns } from './lib.ts';

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
await createTable(db, 'memories (session_id text NOT NULL, fact text NOT NULL)');
const lit = (value: string) => db.escapeLiteral(value);

const client = new OpenAI({ maxRetries: 0 });
const tools: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'save_memory',
    description: 'Keep a fact about the user for later conversations.',
    parameters: { type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] },
    strict: false,
  },
  {
    type: 'function',
    name: 'recall_memory',
    description: 'Read back the facts kept about the user.',
    parameters: { type: 'object', properties: {} },
    strict: false,
  },
];

async function run(sessionId: string, name: string, args: string): Promise<string> {
  if (name === 'save_memory') {
    const { fact } = JSON.parse(args) as { fact: string };
    await db.query(`INSERT INTO memories (session_id, fact) VALUES (${lit(sessionId)}, ${lit(fact)})`);
    return 'saved';
  }
  if (name === 'recall_memory') {
    const rows = (await db.query(`SELECT fact FROM memories WHERE session_id = ${lit(sessionId)}`)).rows;
    return rows.map((row) => row.fact).join('\n') || 'nothing kept yet';
  }
  return `unknown tool ${name}`;
}

serveTurns(async (sessionId, message) => {
  let response = await client.responses.create({ model: 'gpt-4o-mini', input: message, tools });
  // The agent loop: run every function call, send the results back, until the model answers in text.
  for (let step = 0; step < 8; step++) {
    const calls = response.output.filter((item) => item.type === 'function_call');
    if (calls.length === 0) break;
    const input: OpenAI.Responses.ResponseInputItem[] = [];
    for (const call of calls)
      input.push({
        type: 'function_call_output',
        call_id: call.call_id,
        output: await run(sessionId, call.name, call.arguments),
      });
    response = await client.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: response.id,
      input,
      tools,
    });
  }
  return response.output_text;
});
