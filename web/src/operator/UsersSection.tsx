import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import { configurationName, formatDateTime, fullName } from '../format';
import type { OperatorLicence, UserInput } from '../api/types';
import { LoadState } from '../ui/LoadState';
import { PagedFooter } from '../ui/PagedFooter';
import { panelId, tabId, Tabs } from '../ui/Tabs';
import { useDebounced, useLoad } from '../ui/useLoad';
import { usePaged } from '../ui/usePaged';
import type { ReferenceData } from '../users/referenceData';
import { UserForm } from '../users/UserForm';
import { DataTable } from '../ui/DataTable';

// A licence's users as the vendor's operators see them: searched, paged, and created with any rights
// configuration, Admin and Team included, through the same form licence admins use.

const STATUSES = ['active', 'deactivated'] as const;
type Status = (typeof STATUSES)[number];
const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

export function UsersSection({ licence, onChanged }: { licence: OperatorLicence; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const searchId = useId();
  const code = licence.code;
  const [status, setStatus] = useState<Status>('active');
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  const [version, setVersion] = useState(0);
  const q = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const paged = usePaged((cursor) => send(operatorApi.GET('/operator/v1/licences/{code}/users', { params: { path: { code }, query: { status, q, limit: PAGE_SIZE, cursor } } })), [code, status, q, version]);

  return (
    <section className="card" aria-labelledby="operator-users-title">
      <div className="section-header">
        <h2 id="operator-users-title">{t('operator.users.title')}</h2>
        {!creating ? (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            {t('users.create')}
          </button>
        ) : null}
      </div>
      <p className="muted">{t('users.seats', { used: licence.seatsUsed, limit: licence.seatLimit })}</p>
      {creating ? (
        <div className="subform">
          <UserCreate
            licence={licence}
            onDone={(created) => {
              setCreating(false);
              if (!created) return;
              setStatus('active');
              setVersion((current) => current + 1);
              onChanged();
            }}
          />
        </div>
      ) : null}
      <div className="search">
        <label htmlFor={searchId} className="visually-hidden">
          {t('users.search')}
        </label>
        <input id={searchId} type="search" placeholder={t('users.searchPlaceholder')} value={query} onChange={(event) => setQuery(event.target.value)} />
      </div>
      <Tabs id="operator-users" label={t('users.statusTabs')} tabs={STATUSES} current={status} labelOf={(tab) => t(`users.tabs.${tab}`)} onChange={setStatus} />
      <div id={panelId('operator-users')} role="tabpanel" aria-labelledby={tabId('operator-users', status)} aria-busy={paged.loading}>
        <DataTable
          label={t('users.listLabel')}
          rows={paged.items}
          rowKey={(user) => user.id}
          columns={[
            {
              key: 'login',
              header: t('user.login'),
              cell: (user) => (
                <>
                  {user.login}
                  {user.protected ? <span className="badge badge-neutral">{t('users.protectedShort')}</span> : null}
                </>
              ),
            },
            {
              key: 'name',
              header: t('user.name'),
              cell: (user) => (
                <>
                  {fullName(user)} <span className="muted">{user.email}</span>
                </>
              ),
            },
            { key: 'configuration', header: t('user.rightsConfiguration'), cell: (user) => configurationName(t, user.configuration) },
            { key: 'group', header: t('user.entityGroup'), cell: (user) => user.entityGroup.name },
            {
              key: 'lastSignIn',
              header: t('operator.users.lastSignIn'),
              className: 'nowrap',
              cell: (user) => (user.lastLoginAt ? formatDateTime(user.lastLoginAt, i18n.language) : t('operator.users.never')),
            },
          ]}
        />
        <PagedFooter paged={paged} emptyText={q ? t('users.noMatch') : t('users.empty')} />
      </div>
    </section>
  );
}

/** The admins' user form, fed with the licence's every configuration and group, creating through the operator API. */
function UserCreate({ licence, onDone }: { licence: OperatorLicence; onDone: (created: boolean) => void }) {
  const code = licence.code;
  const reference = useLoad<ReferenceData>(async () => {
    const [rightsConfigurations, entityGroups] = await Promise.all([
      send(operatorApi.GET('/operator/v1/licences/{code}/rights-configurations', { params: { path: { code } } })),
      send(operatorApi.GET('/operator/v1/licences/{code}/entity-groups', { params: { path: { code } } })),
    ]);
    return { licence, rightsConfigurations, entityGroups };
  }, [code]);
  return (
    <LoadState loaded={reference}>
      {(data) => <UserForm user={null} reference={data} grantAny create={(body) => send(operatorApi.POST('/operator/v1/licences/{code}/users', { params: { path: { code } }, body: body as UserInput }))} onSaved={() => onDone(true)} onCancel={() => onDone(false)} />}
    </LoadState>
  );
}
