// What a lesson is made of inside the engine: the texts the API shows, plus
// the change a step makes and the checks it runs on the live lab. The course
// files (course/) are data of these types; checks.ts runs them.
import type { FindingKind, LessonChange, LessonInstrument, LessonLang, LessonText, Mode } from '../../api';

/** A text in both lesson languages. */
export const t = (en: string, zh: string): LessonText => ({ en, 'zh-CN': zh });

/** The change a step makes on the lab before its check (`act`). */
export type LessonAct = LessonChange;

/** What a check looks at on the live lab, and what it expects there. */
export type LessonCheckDef =
  /** the service runs in this mode */
  | { kind: 'mode'; service: string; mode: Mode }
  /** one request followed hop by hop (the packet journey) */
  | {
      kind: 'journey';
      service: string;
      /** fields the mode itself rewrites on the request's way (at least these) */
      rewrites?: string[];
      /** fields no hop may rewrite as the mode's own change */
      keeps?: string[];
      /** the balancer relays the bytes on a connection of its own (a proxy) */
      newConnection?: boolean;
      /** the response crosses the balancer */
      viaBalancer?: boolean;
      /** the server receives the request from the client's own address */
      clientSeen?: boolean;
      /** a tier: the journey names the member the router picked */
      member?: boolean;
    }
  /** a capture on a node while requests are sent: which way the HTTP bytes went through it */
  | { kind: 'through'; node: string; service: string; responses: boolean }
  /** a capture on the balancer in tunnel mode: each packet leaves it larger by the outer IPv4 header */
  | { kind: 'overhead'; node: string; service: string; bytes: number }
  /** a capture of ARP on a client that asks for the VIP: the nodes that answer */
  | { kind: 'arp'; client: string; service: string; answer: string[]; alsoAnswers?: string }
  /** the doctor names this fault on this node */
  | { kind: 'finding'; finding: FindingKind; node: string }
  /** the doctor finds no error or warning and no fault made on purpose */
  | { kind: 'healthy' }
  /** a short comparison of two modes: the share of the response bytes the balancer carries */
  | { kind: 'share'; service: string; low: Mode; high: Mode }
  /** the counters after a burst of new connections: how many members (a tier) or backends took some */
  | { kind: 'spread'; service: string; over: 'members' | 'backends'; atLeast: number };

export interface LessonStepDef {
  id: string;
  instrument: LessonInstrument;
  title: LessonText;
  task: LessonText;
  expect: LessonText;
  /** the step from a shell; `LAB` stands for the lab */
  cli: string;
  act?: LessonAct;
  checks: LessonCheckDef[];
}

export interface LessonDef {
  id: string;
  title: LessonText;
  summary: LessonText;
  body: Record<LessonLang, string[]>;
  template: string;
  steps: LessonStepDef[];
}
