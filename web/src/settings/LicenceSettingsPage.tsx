import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import type { Licence } from '../api/types';
import { useSession } from '../session';
import { ConfirmDialog, type StepUp } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { Alert, problemMessage, usersMissingMobile } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { Link } from '../router';
import { PasskeyPolicySection } from './PasskeyPolicySection';
import { PasswordRenewalSection } from './PasswordRenewalSection';
import { ProvisioningSection } from './ProvisioningSection';

// The licence's two-factor switch. It cannot turn on while active users have no mobile: they are listed.

export function LicenceSettingsPage() {
  const { t } = useTranslation();
  const licence = useLoad(() => send(consoleApi.GET('/api/v1/licence')), []);
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('settings.title')}</h1>
      </header>
      <LoadState loaded={licence}>{(data) => <TwoFactorSetting licence={data} onChanged={licence.set} />}</LoadState>
      <PasskeyPolicySection />
      <PasswordRenewalSection />
      <ProvisioningSection />
    </section>
  );
}

function TwoFactorSetting({ licence, onChanged }: { licence: Licence; onChanged: (licence: Licence) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirmingOff, setConfirmingOff] = useState(false);
  const editable = can('licence-configuration.two-factor.edit');
  const missing = usersMissingMobile(error);

  const send2fa = async (twoFactor: boolean, stepUp: StepUp) => {
    const changed = await send(consoleApi.PATCH('/api/v1/licence', { body: { twoFactor, ...stepUp } }));
    onChanged({ ...licence, ...changed });
    notify(changed.twoFactor ? t('settings.twoFactorOn') : t('settings.twoFactorOff'));
  };

  const switchTwoFactor = async () => {
    // Turning it off weakens every sign-in of the licence: the server asks for the password again.
    if (licence.twoFactor) {
      setConfirmingOff(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await send2fa(true, {});
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">{t('settings.twoFactor')}</h2>
      <p>{t('settings.twoFactorIntro')}</p>
      <div className="switch-row">
        <button
          type="button"
          role="switch"
          aria-checked={licence.twoFactor}
          aria-labelledby="two-factor-title"
          className="switch"
          onClick={() => void switchTwoFactor()}
          disabled={busy || !editable}
        >
          <span className="switch-thumb" aria-hidden="true" />
        </button>
        <span className="switch-state" aria-hidden="true">
          {licence.twoFactor ? t('settings.on') : t('settings.off')}
        </span>
      </div>
      {!editable ? <p className="muted">{t('settings.readOnly')}</p> : null}
      <ConfirmDialog
        open={confirmingOff}
        title={t('settings.twoFactorOffTitle')}
        confirmLabel={t('settings.twoFactorOffConfirm')}
        danger
        stepUp
        onConfirm={async (stepUp) => {
          await send2fa(false, stepUp);
          setConfirmingOff(false);
        }}
        onCancel={() => setConfirmingOff(false)}
      >
        <p>{t('settings.twoFactorOffBody')}</p>
      </ConfirmDialog>
      {error && missing.length === 0 ? <Alert>{problemMessage(t, error)}</Alert> : null}
      {missing.length > 0 ? (
        <Alert>
          <p>{t('settings.usersMissingMobile', { count: missing.length })}</p>
          <ul className="inline-list">
            {missing.map((user) => (
              <li key={user.id}>
                <Link to={`/users/${user.id}`}>{user.login}</Link>
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
    </section>
  );
}
