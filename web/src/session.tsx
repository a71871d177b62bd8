import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, onSessionEnded, send, setCsrfToken } from './api/client';
import type { Account, Permissions } from './api/types';
import { changeLanguage, isLanguage } from './i18n';
import { canUse } from './permissions';
import { useNotify } from './ui/feedback';

// The signed-in user of the console: their account, what they may use, and the session's CSRF token.

export type Session =
  | { state: 'loading' }
  | { state: 'signedOut' }
  | { state: 'signedIn'; account: Account; permissions: Permissions };

interface SessionContextValue {
  session: Session;
  /** After a successful sign-in: keeps the CSRF token, adopts the user's language, loads their menus. */
  signedIn(answer: { csrfToken: string; user: Account }): Promise<void>;
  signOut(): Promise<void>;
  /** Reloads the account after a change to it. */
  refreshAccount(): Promise<void>;
  can(permission: string): boolean;
}

const SessionContext = createContext<SessionContextValue | null>(null);

const NO_PERMISSIONS: Permissions = { applications: [] };

async function loadPermissions(): Promise<Permissions> {
  try {
    return await send(consoleApi.GET('/api/v1/me/permissions'));
  } catch (error) {
    // Without its permissions the console still serves My account; the menus simply stay short.
    if (error instanceof ApiError && error.status !== 401) return NO_PERMISSIONS;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [session, setSession] = useState<Session>({ state: 'loading' });

  useEffect(() => {
    let cancelled = false;
    // Signed out, the server answers { status: 'anonymous' }: no error, nothing logged by the browser.
    send(consoleApi.GET('/api/v1/auth/session'))
      .then(async (answer) => {
        if (answer.status !== 'ok') {
          if (!cancelled) setSession({ state: 'signedOut' });
          return;
        }
        setCsrfToken(answer.csrfToken);
        const permissions = await loadPermissions();
        if (!cancelled) setSession({ state: 'signedIn', account: answer.user, permissions });
      })
      .catch(() => {
        if (!cancelled) setSession({ state: 'signedOut' });
      });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(
    () =>
      onSessionEnded(() => {
        setCsrfToken(null);
        setSession((current) => {
          if (current.state === 'signedIn') notify(t('session.ended'), 'info');
          return { state: 'signedOut' };
        });
      }),
    [notify, t],
  );

  const signedIn = useCallback(async ({ csrfToken, user }: { csrfToken: string; user: Account }) => {
    setCsrfToken(csrfToken);
    if (isLanguage(user.language)) changeLanguage(user.language);
    const permissions = await loadPermissions();
    setSession({ state: 'signedIn', account: user, permissions });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await send(consoleApi.POST('/api/v1/auth/logout'));
    } finally {
      setCsrfToken(null);
      setSession({ state: 'signedOut' });
    }
  }, []);

  const refreshAccount = useCallback(async () => {
    const account = await send(consoleApi.GET('/api/v1/me'));
    // Read again too: an administrator who just enrolled the second factor their licence asks for gets their menus back.
    const permissions = await loadPermissions();
    setSession((current) => (current.state === 'signedIn' ? { ...current, account, permissions } : current));
  }, []);

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      signedIn,
      signOut,
      refreshAccount,
      can: (permission) => session.state === 'signedIn' && canUse(session.permissions, permission),
    }),
    [session, signedIn, signOut, refreshAccount],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession needs a SessionProvider');
  return value;
}

/** The signed-in account, for screens that only render inside the signed-in shell. */
export function useAccount(): Account {
  const { session } = useSession();
  if (session.state !== 'signedIn') throw new Error('useAccount outside a signed-in screen');
  return session.account;
}
