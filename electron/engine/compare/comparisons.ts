// The comparisons of one engine: start (checked in full before the lab is
// touched, then run in the background), cancel, list, reopen, CSV. One
// comparison per lab at a time; closing the engine cancels what runs and
// waits until each lab is restored.
import { ApiError, type CompareEvent, type CompareModeAvailability, type CompareRequest, type Comparison, type ComparisonInfo } from '../../api';
import { comparisonToCsv } from './csv';
import type { ComparePort } from './port';
import { availability, checkRequestFields, prepareCompare, runningLab, serviceOf } from './request';
import { runComparison } from './runner';
import { ComparisonStore, newComparisonId } from './store';

export interface ComparisonsOptions {
  port: ComparePort;
  emit: (e: CompareEvent) => void;
  /** the folder holding comparisons/ (the shell's userData); LBLAB_DATA_DIR wins */
  dataDir?: string;
}

interface Running {
  lab: string;
  abort: AbortController;
  result: Promise<Comparison>;
  latest?: Comparison;
}

export interface Comparisons {
  modes(lab: string, service: string): Promise<CompareModeAvailability[]>;
  start(req: CompareRequest): Promise<{ id: string }>;
  /** cancel and wait until the lab is restored */
  cancel(id: string): Promise<void>;
  list(): ComparisonInfo[];
  get(id: string): Comparison;
  csv(id: string): string;
  /** the comparison once it has ended (restored, saved) */
  done(id: string): Promise<Comparison>;
  close(): Promise<void>;
}

export function createComparisons(opts: ComparisonsOptions): Comparisons {
  const running = new Map<string, Running>();
  const busy = new Set<string>(); // labs being prepared or compared
  const store = () => new ComparisonStore(opts.dataDir); // LBLAB_DATA_DIR is read when used

  return {
    async modes(lab, service) {
      const status = await runningLab(opts.port, lab);
      return availability(opts.port, status, serviceOf(status, service));
    },

    async start(req) {
      checkRequestFields(req);
      if (busy.has(req.lab)) throw new ApiError(`lab ${req.lab} is already being compared: cancel that comparison first`, 'conflict');
      busy.add(req.lab);
      try {
        const p = await prepareCompare(opts.port, req);
        const st = store();
        const id = newComparisonId(p.lab, new Date());
        const entry: Running = { lab: p.lab, abort: new AbortController(), result: Promise.resolve(undefined as unknown as Comparison) };
        entry.result = runComparison(id, p, {
          port: opts.port,
          emit: opts.emit,
          signal: entry.abort.signal,
          save: (c) => {
            entry.latest = structuredClone(c);
            st.save(c);
          },
        }).finally(() => {
          running.delete(id);
          busy.delete(p.lab);
        });
        entry.result.catch(() => undefined);
        running.set(id, entry);
        return { id };
      } catch (e) {
        busy.delete(req.lab);
        throw e;
      }
    },

    async cancel(id) {
      const r = running.get(id);
      if (!r) {
        store().load(id); // not-found when there is no such comparison; a finished one has nothing to cancel
        return;
      }
      r.abort.abort();
      await r.result.catch(() => undefined);
    },

    list() {
      const saved = store().list();
      // a comparison that has not saved yet (still reading the environment) is listed too
      for (const [id, r] of running) {
        if (!saved.some((s) => s.id === id) && r.latest)
          saved.unshift({ id, lab: r.lab, service: r.latest.service, startedAt: r.latest.startedAt, complete: false, modes: r.latest.workload.modes });
      }
      return saved;
    },

    get(id) {
      const r = running.get(id);
      if (r?.latest) return structuredClone(r.latest);
      return store().load(id);
    },

    csv(id) {
      return comparisonToCsv(this.get(id));
    },

    async done(id) {
      const r = running.get(id);
      return r ? r.result : store().load(id);
    },

    async close() {
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.result.catch(() => undefined)));
    },
  };
}
