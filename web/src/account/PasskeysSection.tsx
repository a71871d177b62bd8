import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import { formatDateTime } from '../format';
import { useUnsavedChanges } from '../router';
import { useSession } from '../session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { DataTable } from '../ui/DataTable';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert, useProblem } from '../ui/problems';
import { useLoad } from '../ui/useLoad';

// My account's passkeys: add one (named, made by the device or a security key through the browser),
// see them with when they were added and last used, remove one (the current password again).

type Passkey = { id: string; name: string; createdAt: string; lastUsedAt: string | null; backedUp: boolean };

/** The browser's own refusals (cancelled, timed out, not allowed) say nothing the person can act on but "try again". */
export function ceremonyError(error: unknown, message: string): unknown {
  return error instanceof ApiError ? error : new ApiError(0, { code: 'passkey_ceremony_failed', detail: message });
}

export function PasskeysSection() {
  const { t, i18n } = useTranslation();
  const passkeys = useLoad(() => send(consoleApi.GET('/api/v1/me/passkeys')), []);
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const { refreshAccount } = useSession();
  const notify = useNotify();

  const remove = async ({ currentPassword }: { currentPassword?: string }) => {
    if (removing === null) return;
    await send(consoleApi.DELETE('/api/v1/me/passkeys/{id}', { params: { path: { id: removing.id } }, body: { currentPassword } }));
    notify(t('passkeys.removed', { name: removing.name }));
    setRemoving(null);
    passkeys.reload();
  };

  return (
    <section className="card form-card" aria-labelledby="account-passkeys">
      <h2 id="account-passkeys">{t('passkeys.title')}</h2>
      <p>{t('passkeys.intro')}</p>
      <LoadState loaded={passkeys}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="muted">{t('passkeys.none')}</p>
          ) : (
            <DataTable
              label={t('passkeys.title')}
              rows={data.items}
              rowKey={(passkey) => passkey.id}
              columns={[
                {
                  key: 'name',
                  header: t('passkeys.name'),
                  cell: (passkey) => (
                    <>
                      {passkey.name} {passkey.backedUp ? <span className="badge badge-info">{t('passkeys.synced')}</span> : null}
                    </>
                  ),
                },
                { key: 'createdAt', header: t('passkeys.createdAt'), cell: (passkey) => formatDateTime(passkey.createdAt, i18n.language) },
                { key: 'lastUsedAt', header: t('passkeys.lastUsedAt'), cell: (passkey) => (passkey.lastUsedAt === null ? t('passkeys.neverUsed') : formatDateTime(passkey.lastUsedAt, i18n.language)) },
                {
                  key: 'actions',
                  header: t('passkeys.actions'),
                  hiddenHeader: true,
                  cell: (passkey) => (
                    <button type="button" className="button button-small button-danger" onClick={() => setRemoving(passkey)} aria-label={t('passkeys.removeNamed', { name: passkey.name })}>
                      {t('passkeys.remove')}
                    </button>
                  ),
                },
              ]}
            />
          )
        }
      </LoadState>
      <AddPasskeyForm
        onAdded={async (name) => {
          notify(t('passkeys.added', { name }));
          passkeys.reload();
          // An administrator held to enrolling one is free once it is added.
          await refreshAccount().catch(() => undefined);
        }}
      />
      <ConfirmDialog
        open={removing !== null}
        title={t('passkeys.removeTitle', { name: removing?.name ?? '' })}
        confirmLabel={t('passkeys.removeConfirm')}
        danger
        stepUp
        onConfirm={remove}
        onCancel={() => setRemoving(null)}
      >
        <p>{t('passkeys.removeBody')}</p>
      </ConfirmDialog>
    </section>
  );
}

function AddPasskeyForm({ onAdded }: { onAdded: (name: string) => Promise<void> }) {
  const { t } = useTranslation();
  const problem = useProblem(['name']);
  const [name, setName] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const unsaved = useUnsavedChanges(name !== '');

  if (!browserSupportsWebAuthn()) return <p className="muted">{t('passkeys.unsupported')}</p>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    const typed = name.trim();
    setMissing(typed === '');
    if (typed === '') {
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const optionsJSON = await send(consoleApi.POST('/api/v1/me/passkeys/registration-options'));
      let response;
      try {
        response = await startRegistration({ optionsJSON: optionsJSON as Parameters<typeof startRegistration>[0]['optionsJSON'] });
      } catch (error) {
        throw ceremonyError(error, t('passkeys.ceremonyFailed'));
      }
      // Spread into plain objects: the browser library's interfaces are the same JSON the schema describes.
      const answer = { ...response, response: { ...response.response }, clientExtensionResults: { ...response.clientExtensionResults } };
      await send(consoleApi.POST('/api/v1/me/passkeys', { body: { name: typed, response: answer } }));
      unsaved.saved();
      setName('');
      await onAdded(typed);
    } catch (error) {
      problem.capture(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="form form-narrow" aria-label={t('passkeys.add')}>
      <Alert>{problem.alert}</Alert>
      <TextField
        ref={input}
        label={t('passkeys.newName')}
        hint={t('passkeys.newNameHint')}
        value={name}
        onValue={setName}
        error={missing ? t('fieldErrors.required') : problem.fieldError('name')}
        required
        maxLength={100}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? t('passkeys.adding') : t('passkeys.add')}
        </button>
      </div>
    </form>
  );
}
