import type { ServiceFault } from '../disruptions/index.ts';
import { AmnesiaError } from '../errors.ts';
import type { ServiceFaultOps, ServiceFaultRecord, ServiceHandle } from './handle.ts';

interface Outage {
  until: number;
  timer: NodeJS.Timeout;
  /** The service's start once the outage is over; set when the timer fires or a step needs it. */
  back?: Promise<void>;
}

/**
 * Faults on a scenario's services between turns: restart (graceful stop, start on the same
 * data), outage (down now, back by itself once its time is over, in the background, as a real
 * outage ends), wipe (back on empty data). Every step that starts after an outage's end first
 * waits until the service is back (`settle`), so "after the outage" is never a race.
 */
export class ServiceFaults {
  private readonly handles: ReadonlyMap<string, ServiceHandle>;
  private readonly graceMs: number;
  private readonly outages = new Map<string, Outage>();

  constructor(handles: ReadonlyMap<string, ServiceHandle>, graceMs: number) {
    this.handles = handles;
    this.graceMs = graceMs;
  }

  async apply(step: ServiceFault): Promise<ServiceFaultRecord> {
    const ops = this.ops(step.service);
    await this.endOutage(step.service);
    const before = ops.where();
    const t0 = performance.now();
    const record = (description: string, extra: Partial<ServiceFaultRecord> = {}): ServiceFaultRecord => ({
      kind: step.kind,
      service: step.service,
      description,
      before,
      durationMs: performance.now() - t0,
      ...extra,
    });
    if (step.kind === 'restart_service') {
      const grace = step.graceMs ?? this.graceMs;
      await ops.down(grace);
      await ops.up();
      return record(`restart service ${step.service} (grace ${grace} ms, data kept)`, { after: ops.where() });
    }
    if (step.kind === 'wipe_service') {
      await ops.wipe();
      return record(`wipe service ${step.service} (started again on empty data)`, { after: ops.where() });
    }
    await ops.down(this.graceMs);
    const outage: Outage = {
      until: Date.now() + step.ms,
      timer: setTimeout(() => {
        outage.back ??= ops.up();
        outage.back.catch(() => {}); // surfaced by the next settle
      }, step.ms),
    };
    this.outages.set(step.service, outage);
    return record(`outage of service ${step.service} for ${step.ms} ms`, { outageMs: step.ms });
  }

  /** Services whose outage is not over. */
  down(): string[] {
    const now = Date.now();
    return [...this.outages].filter(([, o]) => o.until > now).map(([name]) => name);
  }

  /** Wait until every service whose outage is over is back (call before each step). */
  async settle(): Promise<void> {
    const now = Date.now();
    for (const [name, o] of this.outages) if (o.until <= now) await this.endOutage(name);
  }

  /** The scenario is over: no service comes back. */
  async cancel(): Promise<void> {
    for (const o of this.outages.values()) clearTimeout(o.timer);
    await Promise.allSettled([...this.outages.values()].map((o) => o.back));
    this.outages.clear();
  }

  private async endOutage(name: string): Promise<void> {
    const o = this.outages.get(name);
    if (!o) return;
    clearTimeout(o.timer);
    o.back ??= this.ops(name).up();
    try {
      await o.back;
    } catch (e) {
      throw new AmnesiaError(
        'AMNESIA_SERVICE_FAILED',
        `service ${name} did not come back after its outage: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    } finally {
      this.outages.delete(name);
    }
  }

  private ops(name: string): ServiceFaultOps {
    const h = this.handles.get(name);
    if (!h)
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        `no service \`${name}\` in amnesia.config.yaml \`services:\` (there are: ${[...this.handles.keys()].join(', ') || 'none'})`,
      );
    if (!h.faults)
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        `service \`${name}\` is not one amnesia runs (a \`url:\` or \`postgres: embedded\`): it cannot restart, go down or be wiped; use a \`command:\`, \`redis:\`, \`postgres: { image }\` or \`container:\` service`,
      );
    return h.faults;
  }
}
