import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import type { ApiAccount } from '../api/types';
import { formatDateTime, fullName } from '../format';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { useNotify } from '../ui/feedback';
import { PagedFooter } from '../ui/PagedFooter';
import { problemMessage } from '../ui/problems';
import { usePaged } from '../ui/usePaged';
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
  const [busyId, setBusyId] = useState<string | null>(null);

  const switchAccount = async (account: ApiAccount) => {
    const action = account.status === 'active' ? 'deactivate' : 'activate';
    setBusyId(account.id);
    try {
      const params = { params: { path: { id: account.id } } };
      await send(action === 'deactivate' ? consoleApi.POST('/api/v1/api-accounts/{id}/deactivate', params) : consoleApi.POST('/api/v1/api-accounts/{id}/activate', params));
      notify(t(action === 'deactivate' ? 'apiAccounts.deactivated' : 'apiAccounts.activated', { login: account.login }));
      paged.reload();
    } catch (error) {
      notify(problemMessage(t, error), 'error');
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section className="card" aria-labelledby="api-accounts-title">
      <h2 id="api-accounts-title">{t('apiAccounts.accounts')}</h2>
      <ApiAccountsTable
        accounts={paged.items}
        action={(account) => (
          can('licence-configuration.api-users.deactivate') ? (
            <button type="button" className="button button-small" onClick={() => void switchAccount(account)} disabled={busyId === account.id}>
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
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('user.login')}</th>
            <th scope="col">{t('apiAccounts.holder')}</th>
            <th scope="col">{t('apiAccounts.deliveryColumn')}</th>
            <th scope="col">{t('user.status')}</th>
            <th scope="col">{t('apiAccounts.requestedAt')}</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((request) => (
            <tr key={request.id}>
              <td>{request.login}</td>
              <td>
                {fullName(request.holder)} <span className="muted">{request.holder.email}</span>
              </td>
              <td>{request.delivery === null ? t('common.none') : t(`apiAccounts.deliveries.${request.delivery}`)}</td>
              <td>
                <span className="badge badge-neutral">{t(`apiAccounts.statuses.${request.status}`, { defaultValue: request.status })}</span>
                {request.reason ? <span className="muted"> {request.reason}</span> : null}
              </td>
              <td className="nowrap">{formatDateTime(request.createdAt, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} emptyText={t('apiAccounts.noRequests')} />
    </section>
  );
}
