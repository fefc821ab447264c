// The Action's entry: the real toolkit, this process's environment, and cancellation. See main.ts.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { main } from './main.ts';

// A cancelled job gets SIGINT, then SIGTERM: stop every process amnesia started.
const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort());
process.once('SIGTERM', () => cancel.abort());

await main({ core, github, env: process.env, signal: cancel.signal });
