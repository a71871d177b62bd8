import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import { formatDateTime } from '../format';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { DataTable } from '../ui/DataTable';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { useLoad } from '../ui/useLoad';
import { ApplicationForm, type OperatorApplication } from './ApplicationForm';

// The platform's applications that sign their users in with Gatehouse. A web app's or a service's
// client secret is shown once, here, right after registration or rotation; Gatehouse keeps its hash.

interface ShownSecret {
  name: string;
  clientId: string;
  clientSecret: string | null;
  rotated: boolean;
}

type Editing = { mode: 'register' } | { mode: 'edit'; application: OperatorApplication } | null;

const hasSecret = (application: OperatorApplication) => application.kind === 'web' || application.kind === 'service';

export function ApplicationsPage() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const applications = useLoad(async () => (await send(operatorApi.GET('/operator/v1/applications'))).items, []);
  const [editing, setEditing] = useState<Editing>(null);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [rotating, setRotating] = useState<OperatorApplication | null>(null);
  const [deleting, setDeleting] = useState<OperatorApplication | null>(null);

  // Refusals stay in the confirmation, with the server's own words.
  const rotate = async (application: OperatorApplication) => {
    const answer = await send(operatorApi.POST('/operator/v1/applications/{id}/rotate-secret', { params: { path: { id: application.id } } }));
    setRotating(null);
    setShown({ name: application.name, clientId: answer.clientId, clientSecret: answer.clientSecret, rotated: true });
    applications.reload();
  };
  const remove = async (application: OperatorApplication) => {
    await send(operatorApi.DELETE('/operator/v1/applications/{id}', { params: { path: { id: application.id } } }));
    notify(t('applications.deleted', { name: application.name }));
    setDeleting(null);
    applications.reload();
  };

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('applications.title')}</h1>
        {editing === null ? (
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setShown(null);
              setEditing({ mode: 'register' });
            }}
          >
            {t('applications.registerTitle')}
          </button>
        ) : null}
      </header>
      <p>{t('applications.intro')}</p>
      {shown ? <SecretCard shown={shown} onDone={() => setShown(null)} /> : null}
      {editing ? (
        <ApplicationForm
          key={editing.mode === 'edit' ? editing.application.id : 'new'}
          editing={editing.mode === 'edit' ? editing.application : null}
          onRegistered={(registered, name) => {
            setEditing(null);
            setShown({ name, clientId: registered.clientId, clientSecret: registered.clientSecret, rotated: false });
            applications.reload();
          }}
          onSaved={(saved) => {
            setEditing(null);
            notify(t('applications.saved', { name: saved.name }));
            applications.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      <div className="card card-scroll">
        <LoadState loaded={applications}>
          {(items) => (
            <DataTable
              label={t('applications.title')}
              rows={items}
              rowKey={(application) => application.id}
              empty={t('applications.empty')}
              columns={[
                { key: 'name', header: t('applications.name'), cell: (application) => application.name },
                { key: 'kind', header: t('applications.kind'), cell: (application) => t(`applications.kinds.${application.kind}`) },
                { key: 'clientId', header: t('applications.clientId'), cell: (application) => <code className="breakable">{application.clientId}</code> },
                { key: 'application', header: t('applications.catalogApplication'), cell: (application) => application.application ?? t('common.none') },
                {
                  key: 'access',
                  header: t('applications.access'),
                  cell: (application) => (application.kind === 'service' ? application.scopes.join(', ') || t('common.none') : application.redirectUris.join(', ')),
                },
                {
                  key: 'secretRotatedAt',
                  header: t('applications.secret'),
                  cell: (application) =>
                    !hasSecret(application)
                      ? t('applications.noSecret')
                      : application.secretRotatedAt === null
                        ? t('applications.secretSince', { at: formatDateTime(application.createdAt, i18n.language) })
                        : t('applications.secretRotatedOn', { at: formatDateTime(application.secretRotatedAt, i18n.language) }),
                },
                {
                  key: 'actions',
                  header: t('common.actions'),
                  hiddenHeader: true,
                  // Three actions: they wrap rather than push the table out of its card.
                  className: 'actions-cell actions-wrap',
                  cell: (application) => (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => {
                          setShown(null);
                          setEditing({ mode: 'edit', application });
                        }}
                      >
                        {t('common.edit')}
                        <span className="visually-hidden"> {application.name}</span>
                      </button>{' '}
                      {hasSecret(application) ? (
                        <>
                          <button type="button" className="button button-small" onClick={() => setRotating(application)}>
                            {t('applications.rotate')}
                            <span className="visually-hidden"> {application.name}</span>
                          </button>{' '}
                        </>
                      ) : null}
                      <button type="button" className="button button-small button-danger" onClick={() => setDeleting(application)}>
                        {t('applications.delete')}
                        <span className="visually-hidden"> {application.name}</span>
                      </button>
                    </>
                  ),
                },
              ]}
            />
          )}
        </LoadState>
      </div>
      <ConfirmDialog
        open={rotating !== null}
        title={t('applications.rotateTitle', { name: rotating?.name ?? '' })}
        confirmLabel={t('applications.rotateConfirm')}
        danger
        onConfirm={async () => {
          if (rotating) await rotate(rotating);
        }}
        onCancel={() => setRotating(null)}
      >
        <p>{t('applications.rotateBody')}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deleting !== null}
        title={t('applications.deleteTitle', { name: deleting?.name ?? '' })}
        confirmLabel={t('applications.deleteConfirm')}
        danger
        onConfirm={async () => {
          if (deleting) await remove(deleting);
        }}
        onCancel={() => setDeleting(null)}
      >
        <p>{t('applications.deleteBody')}</p>
      </ConfirmDialog>
    </section>
  );
}

/** The client id, and the secret for a confidential client: shown this once, with a copy button. */
function SecretCard({ shown, onDone }: { shown: ShownSecret; onDone: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const copy = async (secret: string) => {
    try {
      await navigator.clipboard.writeText(secret);
      notify(t('applications.copied'));
    } catch {
      notify(t('applications.copyFailed'), 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="application-secret-title">
      <h2 id="application-secret-title">{shown.rotated ? t('applications.rotatedTitle', { name: shown.name }) : t('applications.registeredTitle', { name: shown.name })}</h2>
      <dl className="details">
        <dt>{t('applications.clientId')}</dt>
        <dd>
          <code data-testid="new-client-id">{shown.clientId}</code>
        </dd>
        {shown.clientSecret !== null ? (
          <>
            <dt>{t('applications.clientSecret')}</dt>
            <dd>
              <code className="secret" data-testid="new-client-secret">
                {shown.clientSecret}
              </code>{' '}
              <button type="button" className="button button-small" onClick={() => void copy(shown.clientSecret ?? '')}>
                {t('applications.copy')}
              </button>
            </dd>
          </>
        ) : null}
      </dl>
      <p>{shown.clientSecret !== null ? t('applications.secretOnce') : t('applications.publicClient')}</p>
      <button type="button" className="button" onClick={onDone}>
        {shown.clientSecret !== null ? t('applications.secretCopied') : t('common.close')}
      </button>
    </section>
  );
}
