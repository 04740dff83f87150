// Whether the engine answers and Docker is there: the banners under the toolbar.
import { useEffect, useState } from 'react';
import type { AppInfo, LabApi } from '../../electron/api';
import { oneLine } from '../api-client';

export function useEngineInfo(api: LabApi) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  /** why the engine cannot be reached */
  const [engineDown, setEngineDown] = useState<string | null>(null);
  useEffect(() => {
    api.info().then(
      (i) => {
        setInfo(i);
        setEngineDown(null);
      },
      (e) => setEngineDown(oneLine(e)),
    );
  }, [api]);
  return { info, engineDown };
}
