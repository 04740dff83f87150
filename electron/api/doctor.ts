// The doctor: what is wrong with a running lab and why, found from its live
// state (checks against the plan) and a little traffic (probes); and faults
// made on purpose (`break`), recorded with the lab until undone or repaired.
// The report's keys are fixed (more may be added).
import { z } from 'zod';
import { nameSchema } from '../../lab-images/balancer/contract/vocabulary';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Every kind of finding the doctor knows. */
export const FINDING_KINDS = [
  'vip-missing',
  'arp-flux',
  'not-same-l2',
  'return-path',
  'decap-missing',
  'rp-filter',
  'mtu',
  'backend-down',
  'health-mismatch',
  'client-ip-hidden',
  /** a balancer or router that does not run */
  'node-down',
  /** a router or balancer that does not forward IPv6 (net.ipv6.conf.all.forwarding 0) */
  'forwarding-off',
  /** a backend of a service with an IPv6 VIP whose interface lacks its planned IPv6 address */
  'address6-missing',
  /** a dual-stack service that answers over IPv4 but not over IPv6, nothing else explaining it */
  'ipv6-unanswered',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** The faults `break` can make (each one a finding kind the doctor names). */
export const FAULTS = ['vip-missing', 'arp-flux', 'return-path', 'decap-missing', 'rp-filter', 'backend-down', 'health-mismatch', 'not-same-l2'] as const;
export type Fault = (typeof FAULTS)[number];

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** the node at fault */
  node: string;
  /** the service it breaks; null when it is the node's own */
  service: string | null;
  /** what is wrong, one sentence */
  summary: string;
  /** what was seen: values, counters, answers */
  evidence: string[];
  /** why it breaks this mode, one sentence */
  why: string;
  /** how to fix it, one sentence */
  fix: string;
}

/** A fault made on purpose, as recorded with the lab. */
export interface LabBreak {
  fault: Fault;
  node: string;
  /** ms since epoch */
  at: number;
}

export interface DoctorReport {
  lab: string;
  /** no finding is an error */
  healthy: boolean;
  findings: Finding[];
  /** faults made on purpose that the lab still carries */
  breaks: LabBreak[];
  /** milliseconds the doctor took */
  ms: number;
  /** what the probes saw: per service, requests through the VIP from one client and who answered */
  probes: {
    service: string; client: string; sent: number; answered: Record<string, number>; failed: number; sawClientAs: string[]; vipMac?: string;
    /** 6: the probe went to the service's IPv6 VIP, `vip6` (absent: its IPv4 VIP) */
    family?: 6;
    vip6?: string;
    /** tunnel: one large request through it (a body of `bytes`) and its HTTP status (0: no answer) */
    large?: { bytes: number; code: number };
  }[];
  /** per service, the HTTP status each running backend gave a request of its own on the service's port (0: no answer) */
  answers?: Record<string, Record<string, number>>;
  /** with `fix`: what was applied, and the report before it */
  fixed?: { applied: string[]; before: Finding[] };
}

export const doctorOptionsSchema = z
  .object({
    /** look at this service only (node findings of its nodes included) */
    service: nameSchema.optional(),
    /** apply the fixes lblab knows (the repair `up` does, the undo of recorded breaks), then look again */
    fix: z.boolean().optional(),
  })
  .strict();
export type DoctorOptions = z.infer<typeof doctorOptionsSchema>;

export const faultSchema = z.enum(FAULTS);

export interface DoctorMethods {
  /** Look at a running lab: checks of every node against its plan, then probes; findings with evidence, why and fix.
   * Fails not-found (no such lab or service) or conflict (the lab's document is unreadable). */
  doctor(lab: string, opts: DoctorOptions): Promise<DoctorReport>;
  /** Make a fault on purpose on one node, recorded with the lab (status says so; `up` and the undo repair it).
   * Fails not-found (no such lab or node), bad-request (the fault does not apply to that node in the lab's modes) or
   * conflict (the node is not running). */
  breakLab(lab: string, fault: Fault, node: string): Promise<LabBreak>;
  /** Undo recorded faults: every one, or the one named. The faults undone. */
  undoBreak(lab: string, fault?: Fault, node?: string): Promise<LabBreak[]>;
}

export const doctorArgs = {
  doctor: z.tuple([nameSchema, doctorOptionsSchema]),
  breakLab: z.tuple([nameSchema, faultSchema, nameSchema]),
  undoBreak: z.tuple([nameSchema, faultSchema.optional(), nameSchema.optional()]),
} satisfies Record<keyof DoctorMethods, z.ZodTypeAny>;
