import { AmnesiaError } from '../errors.ts';

/** Codes of the mistakes a caller of the mock LLM can make. */
export type MockLlmErrorCode =
  | 'AMNESIA_LLM_TURN_IN_FLIGHT'
  | 'AMNESIA_LLM_NO_TURN'
  | 'AMNESIA_LLM_BAD_ARGUMENT';

/** A misuse of the mock LLM's API (not a problem of the app under test). */
export class MockLlmError extends AmnesiaError {
  declare readonly code: MockLlmErrorCode;

  constructor(code: MockLlmErrorCode, message: string) {
    super(code, message);
  }
}
