// mastra-libsql.js — Mastra memory on LibSQL with the docs' URL `file:./mastra.db`
// (https://mastra.ai/docs/memory/message-history: "stores data locally in a mastra.db file").
// The file is relative to the working directory: on the replica's own disk. Workers of a replica
// share it and a restart or crash keeps it; another replica or a redeploy (a fresh disk) does not.
// Failure-table row 3. The fix: a store every replica reaches (mastra-pg.js).
import { LibSQLStore } from '@mastra/libsql';
import { serve } from './lib/http.js';
import { mastraChat } from './lib/mastra.js';

serve(mastraChat(new LibSQLStore({ id: 'mastra-storage', url: 'file:./mastra.db' })));
