import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (after a write, or on "Try again"); the old data stays on screen meanwhile. */
  reload(): Promise<void>;
  /** Replaces the data without a request (an answer the server already gave). */
  setData(data: T): void;
}

/** Runs a load on mount and whenever deps change; answers arriving out of order are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // The latest load function; deps alone decide when to load again (a module-level loader keeps its identity).
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(async () => {
    generation.current += 1;
    const mine = generation.current;
    setLoading(true);
    setError(null);
    try {
      const value = await latest.current();
      if (mine === generation.current) setData(value);
    } catch (err) {
      if (mine === generation.current) setError(err);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload, ...deps]);
  return { data, error, loading, reload, setData };
}
