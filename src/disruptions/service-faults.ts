import { z } from 'zod';
import { duration, LIMITS, parseDuration } from '../schema/primitives.ts';
import { serviceName } from './schema-parts.ts';

const SERVICE = 'The service, by its name under `services:` in amnesia.config.yaml.';

import type { Applied, DisruptionSpec, ServiceFault, ServiceFaultDone } from './spec.ts';

export type RestartService = Extract<ServiceFault, { kind: 'restart_service' }>;
export type Outage = Extract<ServiceFault, { kind: 'outage' }>;
export type WipeService = Extract<ServiceFault, { kind: 'wipe_service' }>;

const fromService = (f: ServiceFaultDone): Applied => ({
  description: f.description,
  changes: [],
  service: {
    name: f.service,
    before: f.before,
    ...(f.after ? { after: f.after } : {}),
    ...(f.outageMs !== undefined ? { outageMs: f.outageMs } : {}),
  },
  durationMs: f.durationMs,
});

/** What every service fault shares: no worker hit, no turns in flight, applied by the services. */
const onService = {
  bare: false,
  inFlight: false,
  dropsInFlight: false,
  hits: (_step: ServiceFault, shape: { replicas: number; workers: number }) => ({ workers: [], shape }),
  apply: async (
    step: ServiceFault,
    stack: { services: { apply(f: ServiceFault): Promise<ServiceFaultDone> } },
  ) => fromService(await stack.services.apply(step)),
  evidence: { generation: false, forcedNote: true },
} as const;

const restartServiceSchema = z
  .strictObject({
    restart_service: z
      .union(
        [
          serviceName,
          z.strictObject({
            service: serviceName.describe(SERVICE),
            grace: duration('grace', 60_000).optional(),
          }),
        ],
        { error: 'expected a service name, or a map with `service` and `grace`' },
      )
      .describe(
        'Stop the service gracefully (SIGTERM, up to the grace period, default 5s) and start it again on the same data: what it persists survives.',
      ),
  })
  .describe('Restart a backend service.');

/** `restart_service: cache`, `restart_service: { service: cache, grace: 2s }`. */
export const restartService: DisruptionSpec<RestartService, typeof restartServiceSchema> = {
  ...onService,
  kind: 'restart_service',
  schema: restartServiceSchema,
  normalize(input) {
    const r = input.restart_service;
    return typeof r === 'string'
      ? { service: r }
      : { service: r.service, ...(r.grace ? { graceMs: parseDuration(r.grace) } : {}) };
  },
  text: (step) => `restart service ${step.service}`,
};

const outageSchema = z
  .strictObject({
    outage: z
      .strictObject({
        service: serviceName.describe(SERVICE),
        for: duration('for', LIMITS.waitMs).describe('How long the service stays down, e.g. `3s`.'),
      })
      .describe(
        'Stop the service now and start it again (same data) once `for` has passed: turns in between run during the outage; any step that starts after it waits until the service is back.',
      ),
  })
  .describe('Take a backend service down for a while.');

/** `outage: { service: cache, for: 3s }`. */
export const outage: DisruptionSpec<Outage, typeof outageSchema> = {
  ...onService,
  kind: 'outage',
  schema: outageSchema,
  normalize: (input) => ({ service: input.outage.service, ms: parseDuration(input.outage.for) }),
  text: (step) => `outage of ${step.service} for ${step.ms} ms`,
};

const wipeServiceSchema = z
  .strictObject({
    wipe_service: serviceName.describe(
      'Start the service again on empty data (a flushed cache, a lost database): the app must recover from elsewhere, or forget.',
    ),
  })
  .describe('Wipe the data of a backend service.');

/** `wipe_service: cache`. */
export const wipeService: DisruptionSpec<WipeService, typeof wipeServiceSchema> = {
  ...onService,
  kind: 'wipe_service',
  schema: wipeServiceSchema,
  normalize: (input) => ({ service: input.wipe_service }),
  text: (step) => `wipe service ${step.service}`,
};
