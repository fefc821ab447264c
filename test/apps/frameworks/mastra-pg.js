// mastra-pg.js — THE FIX for Mastra: memory on PostgreSQL (`@mastra/pg`'s PostgresStore on
// DATABASE_URL, https://mastra.ai/docs/storage and its PostgreSQL integration page). Every replica
// reads the same threads; Mastra saves each message as a row of its own. Failure-table row ✓.
import { PostgresStore } from '@mastra/pg';
import { databaseUrl } from './lib/env.js';
import { serve } from './lib/http.js';
import { mastraChat } from './lib/mastra.js';

serve(mastraChat(new PostgresStore({ id: 'pg-storage', connectionString: databaseUrl() })));
