import type { ServiceFault, ServiceFaultDone } from '../disruptions/index.ts';
/** A started service as the engine holds it: its URL, and what faults can be done to it. */
export interface ServiceHandle {
  readonly name: string;
  readonly url: string;
  readonly port?: number;
  /** Restart, outage and wipe: absent for services amnesia does not run (a URL, the embedded pool). */
  readonly faults?: ServiceFaultOps;
  /** Stop it for good (the scenario is over): no grace, data thrown away. */
  release(): Promise<void>;
}

export interface ServiceFaultOps {
  /** Stop gracefully (SIGTERM or the engine's stop, up to graceMs, then kill), keeping its data. */
  down(graceMs: number): Promise<void>;
  /** Start again on the same port and data; resolves once ready. */
  up(): Promise<void>;
  /** Start again on the same port with empty data (stopping it first if it runs). */
  wipe(): Promise<void>;
  /** Where it runs now, for evidence: `pid 4312` or `container 3d5fb9e642a1`. */
  where(): string;
}

/** What a service fault did, for the evidence timeline: the table's record, with its kind. */
export type ServiceFaultRecord = ServiceFaultDone & { kind: ServiceFault['kind'] };
