// The chat graph of the LangGraph.js apps, as the persistence guide builds it
// (https://docs.langchain.com/oss/javascript/langgraph/persistence, "Checkpointer libraries";
// https://langchain-ai.github.io/langgraphjs/how-tos/persistence/): a StateGraph over
// MessagesAnnotation with one node that calls the model, compiled with a checkpointer; each chat
// session is a `thread_id`. ChatOpenAI reads OPENAI_BASE_URL and calls Chat Completions (its
// default for gpt-4o-mini).
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { model, systemPrompt } from './env.js';

const llm = new ChatOpenAI({ model, maxRetries: 0 });

/** @param {import('@langchain/langgraph').BaseCheckpointSaver} checkpointer */
export function chatGraph(checkpointer) {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({
      messages: [await llm.invoke([{ role: 'system', content: systemPrompt }, ...state.messages])],
    }))
    .addEdge(START, 'model')
    .addEdge('model', END)
    .compile({ checkpointer });
  return async ({ sessionId, message }) => {
    const state = await graph.invoke(
      { messages: [{ role: 'user', content: message }] },
      { configurable: { thread_id: sessionId } },
    );
    return String(state.messages.at(-1)?.content ?? '');
  };
}
