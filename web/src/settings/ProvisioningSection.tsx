import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { consoleApi, send } from '../api/client';
import type { ResponseOf } from '../api/types';
import { configurationName, formatDateTime } from '../format';
import { useSession } from '../session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { DataTable } from '../ui/DataTable';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { useSubmit } from '../ui/useSubmit';

// Provisioning: the tokens the licence's identity provider (Entra ID, Okta, Google…) uses to create,
// update and remove users over SCIM. A new token is shown once, here; a leaked or retired one is
// revoked and refused from its next request on. Only admins who may create users see this.

type ProvisioningTokens = ResponseOf<'/api/v1/provisioning-tokens'>;
type ProvisioningToken = ProvisioningTokens['items'][number];

export function ProvisioningSection() {
  const { can } = useSession();
  if (!can('licence-configuration.users.create')) return null;
  return <Provisioning />;
}

function Provisioning() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const tokens = useLoad(() => send(consoleApi.GET('/api/v1/provisioning-tokens')), []);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ProvisioningToken | null>(null);

  const revoke = async (token: ProvisioningToken) => {
    await send(consoleApi.POST('/api/v1/provisioning-tokens/{id}/revoke', { params: { path: { id: token.id } } }));
    notify(t('provisioning.revoked', { name: token.name }));
    setRevoking(null);
    tokens.reload();
  };

  return (
    <section className="card" aria-labelledby="provisioning-title">
      <h2 id="provisioning-title">{t('provisioning.title')}</h2>
      <p>{t('provisioning.intro')}</p>
      <LoadState loaded={tokens}>
        {(data) => (
          <>
            <dl className="details">
              <dt>{t('provisioning.baseUrl')}</dt>
              <dd>
                <code data-testid="scim-base-url">{data.scimBaseUrl}</code>
              </dd>
            </dl>
            {created ? (
              <NewToken created={created} onDone={() => setCreated(null)} />
            ) : (
              <CreateTokenForm
                onCreated={(answer) => {
                  setCreated(answer);
                  tokens.reload();
                }}
              />
            )}
            <DataTable
              label={t('provisioning.tokens')}
              rows={data.items}
              rowKey={(token) => token.id}
              empty={t('provisioning.empty')}
              columns={[
                { key: 'name', header: t('provisioning.name'), cell: (token) => token.name },
                {
                  key: 'defaults',
                  header: t('provisioning.defaults'),
                  cell: (token) => `${configurationName(t, token.configuration)} · ${token.entityGroup.name}`,
                },
                { key: 'createdBy', header: t('provisioning.createdBy'), cell: (token) => `${token.createdBy.login}, ${formatDateTime(token.createdAt, i18n.language)}` },
                {
                  key: 'lastUsedAt',
                  header: t('provisioning.lastUsedAt'),
                  cell: (token) => (token.lastUsedAt === null ? t('provisioning.never') : formatDateTime(token.lastUsedAt, i18n.language)),
                },
                {
                  key: 'state',
                  header: t('provisioning.state'),
                  cell: (token) => (token.revokedAt === null ? t('provisioning.active') : t('provisioning.revokedOn', { at: formatDateTime(token.revokedAt, i18n.language) })),
                },
                {
                  key: 'actions',
                  header: t('common.actions'),
                  hiddenHeader: true,
                  cell: (token) =>
                    token.revokedAt === null ? (
                      <button type="button" className="button button-small button-danger" onClick={() => setRevoking(token)}>
                        {t('provisioning.revoke')}
                        <span className="visually-hidden"> {token.name}</span>
                      </button>
                    ) : null,
                },
              ]}
            />
          </>
        )}
      </LoadState>
      <ConfirmDialog
        open={revoking !== null}
        title={t('provisioning.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('provisioning.revokeConfirm')}
        danger
        onConfirm={async () => {
          if (revoking) await revoke(revoking);
        }}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('provisioning.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  );
}

/** The token, this once, with a copy button: it is stored only as its hash. */
function NewToken({ created, onDone }: { created: { name: string; token: string }; onDone: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      notify(t('provisioning.copied'));
    } catch {
      notify(t('provisioning.copyFailed'), 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="new-provisioning-token-title">
      <h3 id="new-provisioning-token-title">{t('provisioning.createdTitle', { name: created.name })}</h3>
      <p>{t('provisioning.createdBody')}</p>
      <p>
        <code className="secret" data-testid="new-provisioning-token">
          {created.token}
        </code>{' '}
        <button type="button" className="button button-small" onClick={() => void copy()}>
          {t('provisioning.copy')}
        </button>
      </p>
      <button type="button" className="button" onClick={onDone}>
        {t('provisioning.createdDone')}
      </button>
    </section>
  );
}

/** The defaults are offered among what this admin may grant, as in the users app. */
function CreateTokenForm({ onCreated }: { onCreated: (created: { name: string; token: string }) => void }) {
  const { t } = useTranslation();
  const reference = useLoad(
    async () => ({
      configurations: (await send(consoleApi.GET('/api/v1/rights-configurations'))).filter((configuration) => configuration.assignable),
      groups: (await send(consoleApi.GET('/api/v1/entity-groups'))).filter((group) => group.assignable),
    }),
    [],
  );
  const problem = useSubmit(['name', 'configurationId', 'entityGroupId']);
  const [name, setName] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [entityGroupId, setEntityGroupId] = useState('');
  useUnsavedChanges(name !== '' || configurationId !== '' || entityGroupId !== '');

  const submit = problem.onSubmit(async () => {
    const answer = await send(consoleApi.POST('/api/v1/provisioning-tokens', { body: { name, configurationId, entityGroupId } }));
    setName('');
    onCreated(answer);
  });

  return (
    <LoadState loaded={reference}>
      {(choices) => (
        <form onSubmit={submit} noValidate className="form form-narrow" aria-labelledby="create-provisioning-token-title">
          <h3 id="create-provisioning-token-title">{t('provisioning.createTitle')}</h3>
          <Alert>{problem.alert}</Alert>
          <TextField label={t('provisioning.name')} hint={t('provisioning.nameHint')} value={name} onValue={setName} error={problem.fieldError('name')} required />
          <SelectField
            label={t('provisioning.configuration')}
            hint={t('provisioning.defaultsHint')}
            value={configurationId}
            onValue={setConfigurationId}
            placeholder={t('provisioning.choose')}
            choices={choices.configurations.map((configuration) => ({ value: configuration.id, label: configurationName(t, configuration) }))}
            error={problem.fieldError('configurationId')}
            required
          />
          <SelectField
            label={t('provisioning.entityGroup')}
            value={entityGroupId}
            onValue={setEntityGroupId}
            placeholder={t('provisioning.choose')}
            choices={choices.groups.map((group) => ({ value: group.id, label: group.name }))}
            error={problem.fieldError('entityGroupId')}
            required
          />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={problem.pending}>
              {t('provisioning.create')}
            </button>
          </div>
        </form>
      )}
    </LoadState>
  );
}
