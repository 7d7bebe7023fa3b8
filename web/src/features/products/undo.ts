import { useSyncExternalStore } from 'react';

/**
 * The last take-out of this browser tab, so that "Undo" is offered wherever the user goes next (the
 * dashboard, the product's page) and after a reload (sessionStorage). The id is what the API's
 * undo-take-out wants: the product taken out, or the history row of the portions taken.
 */
export interface LastTakeOut {
  id: number;
  name: string;
  portions: number;
  userId: number;
}

const KEY = 'fm:last-take-out';
const listeners = new Set<() => void>();

function read(): LastTakeOut | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as LastTakeOut) : null;
  } catch {
    return null;
  }
}

let current: LastTakeOut | null = read();

export function setLastTakeOut(value: LastTakeOut | null): void {
  current = value;
  try {
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
    else sessionStorage.removeItem(KEY);
  } catch {
    // private mode without storage: the undo lives as long as the page
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The last take-out of the given user, or null. */
export function useLastTakeOut(userId: number): LastTakeOut | null {
  const value = useSyncExternalStore(subscribe, () => current);
  return value && value.userId === userId ? value : null;
}
