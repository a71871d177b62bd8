import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import type { ApiAccount } from '../api/types';
import { formatDateTime, fullName } from '../format';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { useNotify } from '../ui/feedback';
import { PagedFooter } from '../ui/PagedFooter';
import { DataTable } from '../ui/DataTable';
import { usePaged } from '../ui/usePaged';
import { useAction } from '../ui/useSubmit';
import { ApiAccountRequestForm } from './ApiAccountRequestForm';
import { ApiAccountsTable } from './ApiAccountsTable';

// API accounts are machine accounts created by the vendor's operators on a request filed here.

export function ApiAccountsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const { search } = useLocation();
  // ?request=new opens an empty request; ?request=<user id> fills the holder from that user.
  const requestFor = search.get('request');
  const [requestsVersion, setRequestsVersion] = useState(0);

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('apiAccounts.title')}</h1>
        {can('licence-configuration.api-users.request') && requestFor === null ? (
          <div className="page-actions">
            <button type="button" className="button button-primary" onClick={() => navigate('/api-accounts?request=new')}>
              {t('apiAccounts.request')}
            </button>
          </div>
        ) : null}
      </header>
      {requestFor !== null && can('licence-configuration.api-users.request') ? (
        <section className="card form-card">
          <ApiAccountRequestForm
            holderUserId={requestFor === 'new' ? null : requestFor}
            onDone={(filed) => {
              if (filed) setRequestsVersion((version) => version + 1);
              navigate('/api-accounts', { replace: true });
            }}
          />
        </section>
      ) : null}
      <ApiAccountList />
      <ApiAccountRequestList version={requestsVersion} />
    </section>
  );
}

function ApiAccountList() {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/api-accounts', { params: { query: { cursor } } })), []);
  const action = useAction();
  const [busyId, setBusyId] = useState<string | null>(null);

  const switchAccount = (account: ApiAccount) => {
    const next = account.status === 'active' ? 'deactivate' : 'activate';
    setBusyId(account.id);
    void action
      .run(async () => {
        const params = { params: { path: { id: account.id } } };
        await send(next === 'deactivate' ? consoleApi.POST('/api/v1/api-accounts/{id}/deactivate', params) : consoleApi.POST('/api/v1/api-accounts/{id}/activate', params));
        notify(t(next === 'deactivate' ? 'apiAccounts.deactivated' : 'apiAccounts.activated', { login: account.login }));
        paged.reload();
      })
      .finally(() => setBusyId(null));
  };

  return (
    <section className="card" aria-labelledby="api-accounts-title">
      <h2 id="api-accounts-title">{t('apiAccounts.accounts')}</h2>
      <ApiAccountsTable
        accounts={paged.items}
        action={(account) => (
          can('licence-configuration.api-users.deactivate') ? (
            <button type="button" className="button button-small" onClick={() => switchAccount(account)} disabled={busyId === account.id}>
              {account.status === 'active' ? t('users.deactivate') : t('users.activate')}
              <span className="visually-hidden"> {account.login}</span>
            </button>
          ) : null
        )}
      />
      <PagedFooter paged={paged} emptyText={t('apiAccounts.empty')} />
    </section>
  );
}

function ApiAccountRequestList({ version }: { version: number }) {
  const { t, i18n } = useTranslation();
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/api-account-requests', { params: { query: { cursor } } })), [version]);
  return (
    <section className="card" aria-labelledby="api-requests-title">
      <h2 id="api-requests-title">{t('apiAccounts.requests')}</h2>
      <DataTable
        label={t('apiAccounts.requests')}
        rows={paged.items}
        rowKey={(request) => request.id}
        columns={[
          { key: 'login', header: t('user.login'), cell: (request) => request.login },
          {
            key: 'holder',
            header: t('apiAccounts.holder'),
            cell: (request) => (
              <>
                {fullName(request.holder)} <span className="muted">{request.holder.email}</span>
              </>
            ),
          },
          { key: 'delivery', header: t('apiAccounts.deliveryColumn'), cell: (request) => (request.delivery === null ? t('common.none') : t(`apiAccounts.deliveries.${request.delivery}`)) },
          {
            key: 'status',
            header: t('user.status'),
            cell: (request) => (
              <>
                <span className="badge badge-neutral">{t(`apiAccounts.statuses.${request.status}`, { defaultValue: request.status })}</span>
                {request.reason ? <span className="muted"> {request.reason}</span> : null}
              </>
            ),
          },
          { key: 'requested', header: t('apiAccounts.requestedAt'), cell: (request) => formatDateTime(request.createdAt, i18n.language), className: 'nowrap' },
        ]}
      />
      <PagedFooter paged={paged} emptyText={t('apiAccounts.noRequests')} />
    </section>
  );
}
