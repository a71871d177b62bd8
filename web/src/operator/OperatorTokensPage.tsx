import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { sameSet } from '../sets';
import { operatorApi, send } from '../api/client';
import { formatDateTime } from '../format';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { DataTable } from '../ui/DataTable';
import { useSubmit } from '../ui/useSubmit';
import { scopeLabel } from './ApplicationForm';

// Operator tokens: who may use the operator API and console. A new token is shown once, here; a leaked
// or forgotten one is revoked, and every server refuses it from its next request on.

const OPERATOR_SCOPES = ['operator', 'decisions:read', 'users:read'] as const;
type OperatorScope = (typeof OPERATOR_SCOPES)[number];

interface OperatorToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function OperatorTokensPage() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const tokens = useLoad(async () => (await send(operatorApi.GET('/operator/v1/operator-tokens'))).items, []);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<OperatorToken | null>(null);

  // A refusal stays in the confirmation, with the server's own words.
  const revoke = async (token: OperatorToken) => {
    await send(operatorApi.POST('/operator/v1/operator-tokens/{id}/revoke', { params: { path: { id: token.id } } }));
    notify(t('operator.tokens.revoked', { name: token.name }));
    setRevoking(null);
    tokens.reload();
  };

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('operator.tokens.title')}</h1>
      </header>
      <p>{t('operator.tokens.intro')}</p>
      {created ? (
        <section className="card" aria-labelledby="new-token-title">
          <h2 id="new-token-title">{t('operator.tokens.createdTitle', { name: created.name })}</h2>
          <p>{t('operator.tokens.createdBody')}</p>
          <p>
            <code className="secret" data-testid="new-operator-token">
              {created.token}
            </code>
          </p>
          <button type="button" className="button" onClick={() => setCreated(null)}>
            {t('operator.tokens.createdDone')}
          </button>
        </section>
      ) : (
        <CreateTokenForm
          onCreated={(answer) => {
            setCreated(answer);
            tokens.reload();
          }}
        />
      )}
      <div className="card">
        <LoadState loaded={tokens}>
          {(items) => (
            <DataTable
              label={t('operator.nav.tokens')}
              rows={items}
              rowKey={(token) => token.id}
              empty={t('operator.tokens.empty')}
              columns={[
                { key: 'name', header: t('operator.tokens.name'), cell: (token) => token.name },
                { key: 'scopes', header: t('applications.tokenScopes'), cell: (token) => token.scopes.map((scope) => scopeLabel(t, scope)).join(', ') },
                { key: 'createdAt', header: t('operator.tokens.createdAt'), cell: (token) => formatDateTime(token.createdAt, i18n.language) },
                {
                  key: 'lastUsedAt',
                  header: t('operator.tokens.lastUsedAt'),
                  cell: (token) => (token.lastUsedAt === null ? t('operator.tokens.never') : formatDateTime(token.lastUsedAt, i18n.language)),
                },
                {
                  key: 'state',
                  header: t('operator.tokens.state'),
                  cell: (token) => (token.revokedAt === null ? t('operator.tokens.active') : t('operator.tokens.revokedOn', { at: formatDateTime(token.revokedAt, i18n.language) })),
                },
                {
                  key: 'actions',
                  header: t('common.actions'),
                  hiddenHeader: true,
                  cell: (token) =>
                    token.revokedAt === null ? (
                      <button type="button" className="button button-small button-danger" onClick={() => setRevoking(token)}>
                        {t('operator.tokens.revoke')}
                        <span className="visually-hidden"> {token.name}</span>
                      </button>
                    ) : null,
                },
              ]}
            />
          )}
        </LoadState>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={t('operator.tokens.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('operator.tokens.revokeConfirm')}
        danger
        onConfirm={async () => {
          if (revoking) await revoke(revoking);
        }}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('operator.tokens.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (created: { name: string; token: string }) => void }) {
  const { t } = useTranslation();
  const problem = useSubmit(['name', 'scopes']);
  const [name, setName] = useState('');
  // Every right by default, as before scopes; a service's token gets only what it needs.
  const [scopes, setScopes] = useState<Set<OperatorScope>>(new Set(['operator']));
  useUnsavedChanges(name !== '' || !sameSet(['operator'], scopes));
  const busy = problem.pending;

  const submit = problem.onSubmit(async () => {
    if (scopes.size === 0) return problem.show({ scopes: t('applications.tokenScopesRequired') });
    const answer = await send(operatorApi.POST('/operator/v1/operator-tokens', { body: { name, scopes: OPERATOR_SCOPES.filter((scope) => scopes.has(scope)) } }));
    setName('');
    setScopes(new Set(['operator']));
    onCreated(answer);
  });
  const toggle = (scope: OperatorScope) =>
    setScopes((current) => {
      const next = new Set(current);
      if (next.has(scope)) next.delete(scope);
      else next.add(scope);
      return next;
    });

  return (
    <section className="card form-card">
      <form onSubmit={submit} noValidate className="form form-narrow" aria-labelledby="create-token-title">
        <h2 id="create-token-title">{t('operator.tokens.createTitle')}</h2>
        <Alert>{problem.alert}</Alert>
        <TextField label={t('operator.tokens.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
        <fieldset className={`checkbox-group${problem.fieldError('scopes') ? ' field-invalid' : ''}`}>
          <legend>{t('applications.tokenScopes')}</legend>
          <p className="field-hint">{t('applications.tokenScopesHint')}</p>
          {OPERATOR_SCOPES.map((scope) => (
            <label key={scope} className="checkbox">
              <input type="checkbox" checked={scopes.has(scope)} onChange={() => toggle(scope)} /> {scopeLabel(t, scope)} <code>{scope}</code>
            </label>
          ))}
          {problem.fieldError('scopes') ? <p className="field-error">{problem.fieldError('scopes')}</p> : null}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('operator.tokens.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
