import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { useSession } from '../session';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { Alert, problemMessage } from '../ui/problems';
import { useLoad } from '../ui/useLoad';

// The licence's passkey policy: passkeys allowed or not, and whether administrators must hold a
// passkey or an authenticator app (until they do, their console offers only enrolling one).

type Policy = { allowed: boolean; requiredForAdmins: boolean };

export function PasskeyPolicySection() {
  const policy = useLoad(() => send(consoleApi.GET('/api/v1/licence/passkey-policy')), []);
  return <LoadState loaded={policy}>{(data) => <PasskeyPolicy policy={data} onChanged={policy.set} />}</LoadState>;
}

function PasskeyPolicy({ policy, onChanged }: { policy: Policy; onChanged: (policy: Policy) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editable = can('licence-configuration.two-factor.edit');

  const change = async (wanted: Partial<Policy>) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await send(consoleApi.PUT('/api/v1/licence/passkey-policy', { body: { ...policy, ...wanted } }));
      onChanged(changed);
      notify(t('passkeys.policySaved'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const row = (id: string, checked: boolean, onToggle: () => void) => (
    <div className="switch-row">
      <button type="button" role="switch" aria-checked={checked} aria-labelledby={id} className="switch" onClick={onToggle} disabled={busy || !editable}>
        <span className="switch-thumb" aria-hidden="true" />
      </button>
      <span className="switch-state" aria-hidden="true">
        {checked ? t('settings.on') : t('settings.off')}
      </span>
    </div>
  );

  return (
    <section className="card" aria-labelledby="passkey-policy-title">
      <h2 id="passkey-policy-title">{t('passkeys.policyTitle')}</h2>
      <h3 id="passkeys-allowed-title">{t('passkeys.allowed')}</h3>
      <p>{t('passkeys.allowedIntro')}</p>
      {row('passkeys-allowed-title', policy.allowed, () => void change({ allowed: !policy.allowed }))}
      <h3 id="passkeys-required-title">{t('passkeys.requiredForAdmins')}</h3>
      <p>{t('passkeys.requiredForAdminsIntro')}</p>
      {row('passkeys-required-title', policy.requiredForAdmins, () => void change({ requiredForAdmins: !policy.requiredForAdmins }))}
      {!editable ? <p className="muted">{t('settings.readOnly')}</p> : null}
      {error ? <Alert>{problemMessage(t, error)}</Alert> : null}
    </section>
  );
}
