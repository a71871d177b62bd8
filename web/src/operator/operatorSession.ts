import { useSyncExternalStore } from 'react';
import { onOperatorSessionEnded, operatorApi, send, setOperatorCsrfToken } from '../api/client';

// The operator's session: the token typed at sign-in is sent once, traded for an HttpOnly,
// SameSite=Strict cookie; the page keeps only the session's CSRF token, in memory. Nothing is written
// to sessionStorage or localStorage. A reload asks the server whether the cookie still holds a session.

export type OperatorSessionState = { state: 'loading' } | { state: 'signedOut' } | { state: 'signedIn'; name: string };

let current: OperatorSessionState = { state: 'loading' };
const listeners = new Set<() => void>();
const become = (next: OperatorSessionState) => {
  current = next;
  listeners.forEach((listener) => listener());
};

onOperatorSessionEnded(() => {
  setOperatorCsrfToken(null);
  become({ state: 'signedOut' });
});

let checked = false;
function checkOnce(): void {
  if (checked) return;
  checked = true;
  send(operatorApi.GET('/operator/v1/session'))
    .then(({ name, csrfToken }) => {
      setOperatorCsrfToken(csrfToken);
      become({ state: 'signedIn', name });
    })
    .catch(() => become({ state: 'signedOut' }));
}

export function useOperatorSession(): OperatorSessionState {
  checkOnce();
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** Trades a typed operator token for a session; refused tokens throw an ApiError. */
export async function signInOperator(token: string): Promise<void> {
  const { name, csrfToken } = await send(operatorApi.POST('/operator/v1/session', { headers: { Authorization: `Bearer ${token}` } }));
  setOperatorCsrfToken(csrfToken);
  become({ state: 'signedIn', name });
}

export async function signOutOperator(): Promise<void> {
  try {
    await send(operatorApi.DELETE('/operator/v1/session'));
  } finally {
    setOperatorCsrfToken(null);
    become({ state: 'signedOut' });
  }
}
