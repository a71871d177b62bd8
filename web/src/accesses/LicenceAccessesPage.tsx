import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { dayStart, formatDateTime } from '../format';
import { DataTable } from '../ui/DataTable';
import { PagedFooter } from '../ui/PagedFooter';
import { panelId, tabId, Tabs } from '../ui/Tabs';
import { usePaged } from '../ui/usePaged';
import { useDebounced } from '../ui/useLoad';

// Who entered the licence and when: users' sign-ins, and the vendor's support visits with their ticket.

const TABS = ['users', 'support'] as const;
type AccessTab = (typeof TABS)[number];

export function LicenceAccessesPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<AccessTab>('users');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [login, setLogin] = useState('');
  const fromId = useId();
  const toId = useId();
  const loginId = useId();
  const range = { from: dayStart(from), to: dayStart(to, true) };

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('accesses.title')}</h1>
      </header>
      <Tabs id="accesses" label={t('accesses.tabs.label')} tabs={TABS} current={tab} labelOf={(candidate) => t(`accesses.tabs.${candidate}`)} onChange={setTab} className="tabs-page" />
      <div id={panelId('accesses')} role="tabpanel" aria-labelledby={tabId('accesses', tab)} className="card">
        <div className="filters">
          <div className="field">
            <label htmlFor={fromId}>{t('accesses.from')}</label>
            <input id={fromId} type="date" value={from} max={to || undefined} onChange={(event) => setFrom(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={toId}>{t('accesses.to')}</label>
            <input id={toId} type="date" value={to} min={from || undefined} onChange={(event) => setTo(event.target.value)} />
          </div>
          {tab === 'users' ? (
            <div className="field">
              <label htmlFor={loginId}>{t('user.login')}</label>
              <input id={loginId} type="search" value={login} onChange={(event) => setLogin(event.target.value)} autoCapitalize="none" spellCheck={false} />
            </div>
          ) : null}
        </div>
        {tab === 'users' ? <UserAccesses from={range.from} to={range.to} login={login} /> : <SupportAccesses from={range.from} to={range.to} />}
      </div>
    </section>
  );
}

function UserAccesses({ from, to, login }: { from: string | undefined; to: string | undefined; login: string }) {
  const { t, i18n } = useTranslation();
  const searchedLogin = useDebounced(login.trim(), 300);
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/licence-accesses/users', { params: { query: { from, to, login: searchedLogin, cursor } } })), [from, to, searchedLogin]);
  return (
    <>
      <DataTable
        label={t('accesses.tabs.users')}
        rows={paged.items}
        rowKey={(access, index) => `${access.at}-${access.login}-${index}`}
        columns={[
          { key: 'at', header: t('accesses.at'), className: 'nowrap', cell: (access) => formatDateTime(access.at, i18n.language) },
          { key: 'login', header: t('user.login'), cell: (access) => access.login },
          { key: 'ip', header: t('accesses.ip'), className: 'nowrap', cell: (access) => access.ip },
          {
            key: 'userAgent',
            header: t('accesses.userAgent'),
            className: 'truncate',
            cell: (access) => <span title={access.userAgent ?? undefined}>{access.userAgent ?? t('common.none')}</span>,
          },
        ]}
      />
      <PagedFooter paged={paged} emptyText={t('accesses.empty')} />
    </>
  );
}

function SupportAccesses({ from, to }: { from: string | undefined; to: string | undefined }) {
  const { t, i18n } = useTranslation();
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/licence-accesses/support', { params: { query: { from, to, cursor } } })), [from, to]);
  return (
    <>
      <DataTable
        label={t('accesses.tabs.support')}
        rows={paged.items}
        rowKey={(visit, index) => `${visit.at}-${visit.ticket}-${index}`}
        columns={[
          { key: 'at', header: t('accesses.at'), className: 'nowrap', cell: (visit) => formatDateTime(visit.at, i18n.language) },
          { key: 'ticket', header: t('accesses.ticket'), cell: (visit) => visit.ticket },
          { key: 'description', header: t('accesses.description'), cell: (visit) => visit.description },
          { key: 'operator', header: t('accesses.operator'), cell: (visit) => visit.operator },
        ]}
      />
      <PagedFooter paged={paged} emptyText={t('accesses.emptySupport')} />
    </>
  );
}
