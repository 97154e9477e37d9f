// Feeds every snapshot of the session into one SnapshotStore and re-renders on each tick.
import { useEffect, useRef, useState } from 'react';
import type { Session } from '../../model/session.js';
import { SnapshotStore } from '../store.js';

export function useSessionStore(session: Session): { store: SnapshotStore; version: number } {
  const storeRef = useRef<SnapshotStore | null>(null);
  if (!storeRef.current) {
    storeRef.current = new SnapshotStore();
    const first = session.snapshot();
    if (first) storeRef.current.push(first);
  }
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const store = storeRef.current!;
    const latest = session.snapshot();
    if (latest) store.push(latest);
    setVersion((v) => v + 1);
    return session.onSnapshot((s) => {
      store.push(s);
      setVersion((v) => v + 1);
    });
  }, [session]);
  return { store: storeRef.current, version };
}
