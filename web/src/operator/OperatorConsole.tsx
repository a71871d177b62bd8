import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PublicLayout } from '../auth/PublicLayout';
import { confirmLeaving, Link, matchPath, useLocation } from '../router';
import { LanguageSwitch } from '../shell/LanguageSwitch';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { ApiAccountRequestsPage } from './ApiAccountRequestsPage';
import { ApplicationsPage } from './ApplicationsPage';
import { LicencePage } from './LicencePage';
import { LicencesPage } from './LicencesPage';
import { OperatorTokensPage } from './OperatorTokensPage';
import { signInOperator, signOutOperator, useOperatorSession } from './operatorSession';

// The vendor's operator console at /operator: a separate bundle, signed in with an operator token.

export default function OperatorConsole() {
  const { t } = useTranslation();
  const session = useOperatorSession();
  if (session.state === 'loading') {
    return (
      <p className="muted page-loading" role="status">
        {t('common.loading')}
      </p>
    );
  }
  return session.state === 'signedOut' ? <OperatorSignIn /> : <OperatorShell />;
}

function OperatorSignIn() {
  const { t } = useTranslation();
  const problem = useSubmit(['token'], { unauthenticated: 'token', invalid_credentials: 'token' });
  const [token, setToken] = useState('');
  const busy = problem.pending;

  // The token goes to the server once, for a session cookie; it is never kept by the page.
  const submit = problem.onSubmit(() => signInOperator(token.trim()));

  return (
    <PublicLayout title={t('operator.signIn.title')}>
      <form onSubmit={submit} noValidate className="form">
        <p>{t('operator.signIn.intro')}</p>
        <Alert>{problem.alert}</Alert>
        <TextField label={t('operator.signIn.token')} type="password" value={token} onValue={setToken} error={problem.fieldError('token')} required autoComplete="off" />
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={busy || token.trim() === ''}>
            {t('operator.signIn.submit')}
          </button>
        </div>
      </form>
    </PublicLayout>
  );
}

function OperatorShell() {
  const { t } = useTranslation();
  const notify = useNotify();
  const { path } = useLocation();
  const licence = matchPath('/operator/licences/:code', path);
  const entries = [
    { to: '/operator', label: t('operator.nav.licences'), current: path === '/operator' || path.startsWith('/operator/licences') },
    { to: '/operator/api-account-requests', label: t('operator.nav.apiAccountRequests'), current: path === '/operator/api-account-requests' },
    { to: '/operator/applications', label: t('applications.title'), current: path === '/operator/applications' },
    { to: '/operator/operator-tokens', label: t('operator.nav.tokens'), current: path === '/operator/operator-tokens' },
  ];

  return (
    <div className="shell shell-operator">
      <a className="skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <header className="header">
        <div className="header-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Gatehouse</span>
          <span className="header-licence">{t('operator.title')}</span>
        </div>
        <div className="header-tools">
          <LanguageSwitch />
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              if (!confirmLeaving()) return;
              void signOutOperator().finally(() => notify(t('header.signedOut'), 'info'));
            }}
          >
            {t('header.signOut')}
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="sidebar" aria-label={t('nav.label')}>
          <ul>
            {entries.map((entry) => (
              <li key={entry.to}>
                <Link to={entry.to} className="nav-link" aria-current={entry.current ? 'page' : undefined}>
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1} className="content">
          {path === '/operator' ? <LicencesPage /> : null}
          {licence?.code ? <LicencePage key={licence.code} code={licence.code} /> : null}
          {path === '/operator/api-account-requests' ? <ApiAccountRequestsPage /> : null}
          {path === '/operator/operator-tokens' ? <OperatorTokensPage /> : null}
          {path === '/operator/applications' ? <ApplicationsPage /> : null}
          {path !== '/operator' && !licence && path !== '/operator/api-account-requests' && path !== '/operator/operator-tokens' && path !== '/operator/applications' ? (
            <section className="page">
              <h1>{t('notFound.title')}</h1>
              <p>{t('notFound.body')}</p>
            </section>
          ) : null}
        </main>
      </div>
    </div>
  );
}
