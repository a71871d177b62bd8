import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { Page } from '../api/types';

// The one way the console reads a long list: pages from the server by `nextCursor`, appended on demand.

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  error: unknown;
  loadMore(): void;
  reload(): void;
}

export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, deps: DependencyList): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  // Answers of an older query (e.g. a search typed over) are dropped when they arrive late.
  const generation = useRef(0);
  const latestFetch = useRef(fetchPage);
  latestFetch.current = fetchPage;

  useEffect(() => {
    const mine = ++generation.current;
    // A new query (another tab, another search) starts from an empty list: the rows of the previous
    // one never stand under a "Loading…" as if they were its answer.
    setItems([]);
    setNextCursor(null);
    setError(null);
    setLoading(true);
    latestFetch
      .current(undefined)
      .then((page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (mine === generation.current) setError(failure);
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
    // The caller's deps say when the query changed.
  }, [...deps, version]);

  const loadMore = useCallback(() => {
    if (nextCursor === null) return;
    const mine = generation.current;
    setLoading(true);
    latestFetch
      .current(nextCursor)
      .then((page) => {
        if (mine !== generation.current) return;
        setItems((shown) => [...shown, ...page.items]);
        setNextCursor(page.nextCursor);
      })
      .catch((failure: unknown) => {
        if (mine === generation.current) setError(failure);
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  }, [nextCursor]);

  const reload = useCallback(() => setVersion((value) => value + 1), []);
  return { items, nextCursor, loading, error, loadMore, reload };
}
