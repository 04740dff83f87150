// The engine picker's state: the engines listed (asked when the picker opens),
// and switching to one. A refusal (a deploy running, an engine that does not
// answer) is kept as one line to show; the app's info follows a switch.
import { useCallback, useState } from 'react';
import type { AppInfo, EngineDescription, LabApi } from '../../../electron/api';
import { oneLine } from '../../api-client';

export interface EnginesState {
  engines: EngineDescription[];
  /** contexts that could not be read */
  problems: string[];
  loading: boolean;
  /** why the list could not be read */
  error: string | null;
  /** the engine being switched to */
  switching: string | null;
  /** why the last switch was refused */
  refusal: string | null;
  load(): Promise<void>;
  switchTo(name: string): Promise<void>;
}

export function useEngines(api: Pick<LabApi, 'listEngines' | 'useEngine'>, onSwitched: (info: AppInfo) => void): EnginesState {
  const [engines, setEngines] = useState<EngineDescription[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const r = await api.listEngines();
      setEngines(r.engines);
      setProblems(r.problems);
      setError(null);
    } catch (e) {
      setError(oneLine(e));
    } finally {
      setLoading(false);
    }
  }, [api]);

  const switchTo = useCallback(
    async (name: string) => {
      setSwitching(name);
      setRefusal(null);
      try {
        const info = await api.useEngine(name);
        onSwitched(info);
        // the current mark moves: say it as the engine side sees it
        setEngines((list) => list.map((e) => ({ ...e, current: e.name === name })));
      } catch (e) {
        setRefusal(oneLine(e));
      } finally {
        setSwitching(null);
      }
    },
    [api, onSwitched],
  );

  return { engines, problems, loading, error, switching, refusal, load, switchTo };
}
