import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi } from '../api';
import { useSession } from '../session';
import type { Licence } from '../types';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { Alert, problemMessage, usersMissingMobile } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { Link } from '../router';

// The licence's two-factor switch. It cannot turn on while active users have no mobile: they are listed.

export function LicenceSettingsPage() {
  const { t } = useTranslation();
  const licence = useLoad(() => consoleApi.get<Licence>('/licence'), []);
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('settings.title')}</h1>
      </header>
      <LoadState loaded={licence}>{(data) => <TwoFactorSetting licence={data} onChanged={licence.set} />}</LoadState>
    </section>
  );
}

function TwoFactorSetting({ licence, onChanged }: { licence: Licence; onChanged: (licence: Licence) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editable = can('licence-configuration.two-factor.edit');
  const missing = usersMissingMobile(error);

  const switchTwoFactor = async () => {
    setBusy(true);
    setError(null);
    try {
      const changed = await consoleApi.patch<Licence>('/licence', { twoFactor: !licence.twoFactor });
      onChanged({ ...licence, ...changed });
      notify(changed.twoFactor ? t('settings.twoFactorOn') : t('settings.twoFactorOff'));
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
