// Whether the engine answers and Docker is there: the banners under the toolbar
// and the engine's name in it. While Docker (or the lblab engine) is away it is
// asked again now and then, so the banner goes when it comes back; the drawing
// is renderer state and does not depend on it.
import { useCallback, useEffect, useState } from 'react';
import type { AppInfo, LabApi } from '../../electron/api';
import { oneLine } from '../api-client';

/** How often an engine that is away is asked again. */
export const RECHECK_MS = 10_000;

export function useEngineInfo(api: LabApi) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  /** why the engine cannot be reached */
  const [engineDown, setEngineDown] = useState<string | null>(null);
  const check = useCallback(
    () =>
      api.info().then(
        (i) => {
          setInfo(i);
          setEngineDown(null);
        },
        (e) => setEngineDown(oneLine(e)),
      ),
    [api],
  );
  useEffect(() => {
    void check();
  }, [check]);
  const away = engineDown !== null || info?.docker.available === false;
  useEffect(() => {
    if (!away) return;
    const t = setInterval(() => void check(), RECHECK_MS);
    return () => clearInterval(t);
  }, [away, check]);
  /** The info a switch of engine answered with. */
  const switched = useCallback((i: AppInfo) => {
    setInfo(i);
    setEngineDown(null);
  }, []);
  return { info, engineDown, switched };
}
