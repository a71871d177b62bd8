import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { confirmLeaving, Link, useLocation } from '../router';
import { useSession } from '../session';
import { fullName } from '../format';
import { useNotify } from '../ui/feedback';
import { LanguageSwitch } from './LanguageSwitch';

// The signed-in frame: header with licence, user, language and sign-out; a menu of what the user may use.

interface MenuEntry {
  to: string;
  label: string;
  /** The permission (any level) that makes the entry appear; none for what everyone has. */
  permission: string | null;
}

export function AppShell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session, signOut, can } = useSession();
  const notify = useNotify();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);

  // Moving focus to the new page's content tells keyboard and screen-reader users the page changed.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
  }, [path]);

  if (session.state !== 'signedIn') return null;
  const { account } = session;

  const entries: MenuEntry[] = [
    { to: '/', label: t('nav.myAccount'), permission: null },
    { to: '/transfer-box', label: t('nav.transferBox'), permission: 'transfer-box.inbox' },
    { to: '/users', label: t('nav.users'), permission: 'licence-configuration.users' },
    { to: '/licence-accesses', label: t('nav.licenceAccesses'), permission: 'licence-configuration.licence-accesses' },
    { to: '/api-accounts', label: t('nav.apiAccounts'), permission: 'licence-configuration.api-users' },
    { to: '/audit', label: t('nav.auditTrail'), permission: 'licence-configuration.audit-trail' },
    { to: '/settings', label: t('nav.settings'), permission: 'licence-configuration.two-factor' },
  ];
  const visible = entries.filter((entry) => entry.permission === null || can(entry.permission));
  const isCurrent = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <header className="header">
        <div className="header-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Gatehouse</span>
          <span className="header-licence" title={t('header.licence')}>
            <span className="visually-hidden">{t('header.licence')}: </span>
            {account.licence.name}
          </span>
        </div>
        <div className="header-tools">
          <span className="header-user">
            <span className="visually-hidden">{t('header.signedInAs')} </span>
            {fullName(account)} <span className="muted">({account.login})</span>
          </span>
          <LanguageSwitch />
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              if (!confirmLeaving()) return;
              void signOut().then(() => notify(t('header.signedOut'), 'info'));
            }}
          >
            {t('header.signOut')}
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="sidebar" aria-label={t('nav.label')}>
          <ul>
            {visible.map((entry) => (
              <li key={entry.to}>
                <Link to={entry.to} className="nav-link" aria-current={isCurrent(entry.to) ? 'page' : undefined}>
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="content">
          {children}
        </main>
      </div>
    </div>
  );
}
