import { useSyncExternalStore } from 'react';
import { onOperatorTokenRefused, operatorToken } from '../api';

// The operator's token for this tab: kept in sessionStorage, dropped when the server refuses it.

const listeners = new Set<() => void>();
const changed = () => listeners.forEach((listener) => listener());
onOperatorTokenRefused(changed);

export function useOperatorToken(): string | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    operatorToken.get,
  );
}

export function keepOperatorToken(token: string): void {
  operatorToken.set(token);
  changed();
}

export function dropOperatorToken(): void {
  operatorToken.clear();
  changed();
}
