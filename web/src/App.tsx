import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AccountPage } from './account/AccountPage';
import { SecondFactorEnrolmentPage } from './account/SecondFactorEnrolmentPage';
import { LicenceAccessesPage } from './accesses/LicenceAccessesPage';
import { ApiAccountsPage } from './api-accounts/ApiAccountsPage';
import { AuditTrailPage } from './audit/AuditTrailPage';
import { ForgotPasswordPage } from './auth/ForgotPasswordPage';
import { PasswordChangeRequiredPage } from './auth/PasswordChangeRequiredPage';
import { ResetPasswordPage } from './auth/ResetPasswordPage';
import { SignInPage } from './auth/SignInPage';
import { leaveFor, matchPath, navigate, safeContinue, safeNext, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { LicenceSettingsPage } from './settings/LicenceSettingsPage';
import { AppShell } from './shell/AppShell';
import { TransferBoxPage } from './transfer-box/TransferBoxPage';
import { FeedbackProvider } from './ui/feedback';
import { UsersPage } from './users/UsersPage';

// Routes of the console. The operator console is a separate, lazily loaded bundle: customers never download it.
const OperatorConsole = lazy(() => import('./operator/OperatorConsole'));

const PUBLIC_PATHS = ['/sign-in', '/forgot-password', '/reset-password'];

export function App() {
  const { path } = useLocation();
  return <FeedbackProvider>{path === '/operator' || path.startsWith('/operator/') ? <OperatorRoute /> : <SessionProvider><ConsoleRoutes /></SessionProvider>}</FeedbackProvider>;
}

function OperatorRoute() {
  const { t } = useTranslation();
  return (
    <Suspense fallback={<p className="page-loading">{t('common.loading')}</p>}>
      <OperatorConsole />
    </Suspense>
  );
}

function ConsoleRoutes() {
  const { t } = useTranslation();
  const { session } = useSession();
  const { path, search } = useLocation();
  const isPublic = PUBLIC_PATHS.includes(path);

  useEffect(() => {
    if (session.state === 'signedOut' && !isPublic) {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + (search.size > 0 ? `?${search.toString()}` : ''))}`;
      navigate(`/sign-in${next}`, { replace: true });
    }
    // An application's sign-in: a signed-in person goes straight back to it, unless it asked for a
    // fresh sign-in (prompt=login, max_age), when the form is shown again.
    const continueTo = safeContinue(search.get('continue'));
    const freshAsked = continueTo !== null && search.get('fresh') === '1';
    if (session.state === 'signedIn' && path === '/sign-in' && continueTo !== null && !freshAsked) leaveFor(continueTo);
    else if (session.state === 'signedIn' && path === '/sign-in' && !freshAsked) navigate(safeNext(search.get('next')), { replace: true });
  }, [session.state, isPublic, path, search]);

  if (path === '/forgot-password') return <ForgotPasswordPage />;
  if (path === '/reset-password') return <ResetPasswordPage />;
  if (session.state === 'loading') return <p className="page-loading">{t('common.loading')}</p>;
  if (session.state === 'signedOut') return path === '/sign-in' ? <SignInPage /> : null;
  if (path === '/sign-in') return search.get('fresh') === '1' && safeContinue(search.get('continue')) !== null ? <SignInPage /> : null;
  // A password past the licence's renewal period: nothing else until a new one is chosen.
  if (session.account.passwordChangeRequired) return <PasswordChangeRequiredPage />;
  // An administrator held to enrolling a passkey or an authenticator app first (the licence's policy).
  if (session.account.secondFactorEnrolmentRequired) {
    return (
      <AppShell>
        <SecondFactorEnrolmentPage />
      </AppShell>
    );
  }
  return (
    <AppShell>
      <SignedInRoutes path={path} />
    </AppShell>
  );
}

function SignedInRoutes({ path }: { path: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const guarded = (permission: string, screen: ReactNode) => (can(permission) ? screen : <NotAllowed />);

  if (path === '/') return <AccountPage />;
  if (path === '/users') return guarded('licence-configuration.users', <UsersPage userId={null} />);
  const user = matchPath('/users/:id', path);
  if (user?.id) return guarded('licence-configuration.users', <UsersPage userId={user.id} />);
  if (path === '/licence-accesses') return guarded('licence-configuration.licence-accesses', <LicenceAccessesPage />);
  if (path === '/api-accounts') return guarded('licence-configuration.api-users', <ApiAccountsPage />);
  if (path === '/audit') return guarded('licence-configuration.audit-trail', <AuditTrailPage />);
  if (path === '/settings') return guarded('licence-configuration.two-factor', <LicenceSettingsPage />);
  if (path === '/transfer-box') return guarded('transfer-box.inbox', <TransferBoxPage />);
  return (
    <section className="page">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
    </section>
  );
}

function NotAllowed() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('notAllowed.title')}</h1>
      <p>{t('notAllowed.body')}</p>
    </section>
  );
}
