// The Docker engines a host's engine field offers (contexts, the local
// socket), asked once when the user first reaches for one: listing probes
// every engine, which is too slow to do on every inspector view.
import { useCallback, useRef, useState } from 'react';
import type { EngineDescription, EngineMethods } from '../../../electron/api';

export function useKnownEngines(list: EngineMethods['listEngines']) {
  const [engines, setEngines] = useState<EngineDescription[]>([]);
  const asked = useRef(false);
  const load = useCallback(() => {
    if (asked.current) return;
    asked.current = true;
    list().then(
      (r) => setEngines(r.engines),
      // the field stays free text: a URL or a context name typed by hand is as good
      () => undefined,
    );
  }, [list]);
  return { engines, load };
}
