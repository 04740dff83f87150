// The Captures panel's store, one per panel: fed with the client's events,
// read with useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ApiClient } from '../../api-client';
import { CaptureStore, type CaptureState } from './capture-store';

export function useCapture(client: ApiClient): [CaptureState, CaptureStore] {
  // the panel keeps its client for its whole life, so one store serves it
  const [store] = useState(() => new CaptureStore(client.api));
  useEffect(() => client.onEvent(store.onEvent), [client, store]);
  useEffect(() => {
    void store.refreshList();
  }, [store]);
  return [useSyncExternalStore(store.subscribe, store.getSnapshot), store];
}
