// langgraph-memory.js — LangGraph.js with `MemorySaver`, the checkpointer of the persistence
// guide's examples (https://docs.langchain.com/oss/javascript/langgraph/persistence). Failure-table
// row 2: the checkpoints live in this process's RAM; another worker, a restart, a crash or a
// redeploy starts the thread afresh. The fix: a shared checkpointer (langgraph-postgres.js).
import { MemorySaver } from '@langchain/langgraph';
import { serve } from './lib/http.js';
import { chatGraph } from './lib/langgraph.js';

serve(chatGraph(new MemorySaver()));
