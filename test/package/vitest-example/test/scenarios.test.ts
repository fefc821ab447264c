// test/scenarios.test.ts
import { describeScenarios } from 'amnesia/vitest';

// A describe per scenario file, a test per scenario, run with ./amnesia.config.yaml.
describeScenarios('scenarios/*.yaml');
