export { MockLlmError, type MockLlmErrorCode } from './errors.ts';
export { type DefaultLlmHandlerOptions, defaultLlmHandlers } from './handlers.ts';
export { startMockLlm } from './mock-llm.ts';
export type {
  LlmMessage,
  LlmRequestKind,
  LlmScriptStep,
  LlmToolCall,
  LlmToolResult,
  MockLlm,
  MockLlmOptions,
  RecordedLlmRequest,
  TurnHooks,
  TurnScope,
} from './types.ts';
