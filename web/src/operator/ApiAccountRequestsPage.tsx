import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import { configurationName, formatDateTime, fullName } from '../format';
import { useUnsavedChanges, useUnsavedValues } from '../router';
import type { OperatorApiAccountRequest as ApiAccountRequest } from '../api/types';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { PagedFooter } from '../ui/PagedFooter';
import { Alert } from '../ui/problems';
import { usePaged } from '../ui/usePaged';
import { useLoad } from '../ui/useLoad';
import { DataTable } from '../ui/DataTable';
import { useSubmit } from '../ui/useSubmit';

// Pending API account requests filed by licence admins: operators fulfil them (the password goes to the
// holder by Transfer Box or SMS) or reject them with a reason.

const licenceCodeOf = (request: ApiAccountRequest): string => request.licence ?? '';

export function ApiAccountRequestsPage() {
  const { t, i18n } = useTranslation();
  const paged = usePaged((cursor) => send(operatorApi.GET('/operator/v1/api-account-requests', { params: { query: { status: 'pending', cursor } } })), []);
  const [handling, setHandling] = useState<{ request: ApiAccountRequest; action: 'fulfil' | 'reject' } | null>(null);

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('operator.requests.title')}</h1>
      </header>
      {handling ? (
        <section className="card form-card">
          {handling.action === 'fulfil' ? (
            <FulfilForm
              request={handling.request}
              onDone={(done) => {
                setHandling(null);
                if (done) paged.reload();
              }}
            />
          ) : (
            <RejectForm
              request={handling.request}
              onDone={(done) => {
                setHandling(null);
                if (done) paged.reload();
              }}
            />
          )}
        </section>
      ) : null}
      <div className="card">
        <DataTable
          label={t('operator.nav.apiAccountRequests')}
          rows={paged.items}
          rowKey={(request) => request.id}
          columns={[
            { key: 'licence', header: t('operator.requests.licence'), cell: (request) => licenceCodeOf(request) },
            {
              key: 'login',
              header: t('user.login'),
              cell: (request) => (
                <>
                  {request.login}
                  {request.warnings?.map((warning) => (
                    <span key={warning} className="badge badge-warning">
                      {t(`apiAccounts.warnings.${warning}`, { defaultValue: warning })}
                    </span>
                  ))}
                </>
              ),
            },
            {
              key: 'holder',
              header: t('apiAccounts.holder'),
              cell: (request) => (
                <>
                  {fullName(request.holder)} <span className="muted">{request.holder.email}</span>
                </>
              ),
            },
            { key: 'at', header: t('apiAccounts.requestedAt'), className: 'nowrap', cell: (request) => formatDateTime(request.createdAt, i18n.language) },
            {
              key: 'actions',
              header: t('common.actions'),
              hiddenHeader: true,
              className: 'actions-cell',
              cell: (request) => (
                <>
                  <button type="button" className="button button-small button-primary" onClick={() => setHandling({ request, action: 'fulfil' })}>
                    {t('operator.requests.fulfil')}
                    <span className="visually-hidden"> {request.login}</span>
                  </button>{' '}
                  <button type="button" className="button button-small" onClick={() => setHandling({ request, action: 'reject' })}>
                    {t('operator.requests.reject')}
                    <span className="visually-hidden"> {request.login}</span>
                  </button>
                </>
              ),
            },
          ]}
        />
        <PagedFooter paged={paged} emptyText={t('operator.requests.empty')} />
      </div>
    </section>
  );
}

function FulfilForm({ request, onDone }: { request: ApiAccountRequest; onDone: (done: boolean) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['configurationId', 'entityGroupId']);
  const code = licenceCodeOf(request);
  const choices = useLoad(
    async () => {
      const [configurations, groups] = await Promise.all([
        send(operatorApi.GET('/operator/v1/licences/{code}/rights-configurations', { params: { path: { code } } })),
        send(operatorApi.GET('/operator/v1/licences/{code}/entity-groups', { params: { path: { code } } })),
      ]);
      return { configurations, groups };
    },
    [code],
  );
  const [configurationId, setConfigurationId] = useState('');
  const [entityGroupId, setEntityGroupId] = useState('');
  const unsaved = useUnsavedValues([configurationId, entityGroupId]);
  const busy = problem.pending;

  const submit = problem.onSubmit(async () => {
    const answer = await send(operatorApi.POST('/operator/v1/api-account-requests/{id}/fulfil', { params: { path: { id: request.id } }, body: { configurationId, entityGroupId } }));
    unsaved.saved();
    notify(t('operator.requests.fulfilled', { login: request.login, delivery: t(`operator.requests.delivery.${answer.delivery}`, { defaultValue: answer.delivery }) }));
    onDone(true);
  });

  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="fulfil-title">
      <h2 id="fulfil-title">{t('operator.requests.fulfilTitle', { login: request.login })}</h2>
      <Alert>{problem.alert}</Alert>
      <LoadState loaded={choices}>
        {(data) => (
          <div className="form-grid">
            <SelectField
              label={t('user.rightsConfiguration')}
              value={configurationId}
              onValue={setConfigurationId}
              placeholder={t('common.choose')}
              choices={data.configurations.map((configuration) => ({ value: configuration.id, label: configurationName(t, configuration) }))}
              error={problem.fieldError('configurationId')}
              required
            />
            <SelectField
              label={t('user.entityGroup')}
              value={entityGroupId}
              onValue={setEntityGroupId}
              placeholder={t('common.choose')}
              choices={data.groups.map((group) => ({ value: group.id, label: group.name }))}
              error={problem.fieldError('entityGroupId')}
              required
            />
          </div>
        )}
      </LoadState>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('operator.requests.fulfilSubmit')}
        </button>
        <button type="button" className="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function RejectForm({ request, onDone }: { request: ApiAccountRequest; onDone: (done: boolean) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['reason']);
  const [reason, setReason] = useState('');
  const unsaved = useUnsavedChanges(reason !== '');
  const busy = problem.pending;

  const submit = problem.onSubmit(async () => {
    await send(operatorApi.POST('/operator/v1/api-account-requests/{id}/reject', { params: { path: { id: request.id } }, body: { reason } }));
    unsaved.saved();
    notify(t('operator.requests.rejected', { login: request.login }));
    onDone(true);
  });

  return (
    <form onSubmit={submit} noValidate className="form form-narrow" aria-labelledby="reject-title">
      <h2 id="reject-title">{t('operator.requests.rejectTitle', { login: request.login })}</h2>
      <Alert>{problem.alert}</Alert>
      <TextField label={t('operator.requests.reason')} value={reason} onValue={setReason} error={problem.fieldError('reason')} required />
      <div className="form-actions">
        <button type="submit" className="button button-danger" disabled={busy}>
          {t('operator.requests.rejectSubmit')}
        </button>
        <button type="button" className="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
