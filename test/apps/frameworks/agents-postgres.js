// agents-postgres.js — THE FIX for the OpenAI Agents SDK: a session of our own on PostgreSQL
// (DATABASE_URL), as the sessions guide's "Custom session" section says to write one
// (https://openai.github.io/openai-agents-js/guides/sessions/): implement `Session` —
// getSessionId, getItems, addItems, popItem, clearSession. Each item is a row keyed by the chat's
// session id, read on every turn, and addItems appends with one INSERT, so two turns at once keep
// both. Failure-table row ✓.
import { ask } from './lib/agents.js';
import { serve } from './lib/http.js';
import { connect } from './lib/pg.js';

const db = await connect(
  'agent_items (id bigserial PRIMARY KEY, session_id text NOT NULL, item jsonb NOT NULL)',
);

/** @implements {import('@openai/agents').Session} */
class PostgresSession {
  constructor(sessionId) {
    this.sessionId = sessionId;
  }
  async getSessionId() {
    return this.sessionId;
  }
  async getItems(limit) {
    const { rows } = await db.query(
      'SELECT item FROM (SELECT id, item FROM agent_items WHERE session_id = $1 ORDER BY id DESC LIMIT $2) t ORDER BY id',
      [this.sessionId, limit ?? null],
    );
    return rows.map((r) => r.item);
  }
  async addItems(items) {
    if (items.length === 0) return;
    const values = items.map((_, i) => `($1, $${i + 2})`).join(', ');
    await db.query(`INSERT INTO agent_items (session_id, item) VALUES ${values}`, [
      this.sessionId,
      ...items.map((item) => JSON.stringify(item)),
    ]);
  }
  async popItem() {
    const { rows } = await db.query(
      'DELETE FROM agent_items WHERE id = (SELECT max(id) FROM agent_items WHERE session_id = $1) RETURNING item',
      [this.sessionId],
    );
    return rows[0]?.item;
  }
  async clearSession() {
    await db.query('DELETE FROM agent_items WHERE session_id = $1', [this.sessionId]);
  }
}

serve(({ sessionId, message }) => ask(new PostgresSession(sessionId), message), {
  onShutdown: () => db.end(),
});
