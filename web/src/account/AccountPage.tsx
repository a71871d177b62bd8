import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { consoleApi, send } from '../api/client';
import { NewPasswordFields, useNewPassword } from '../auth/NewPasswordFields';
import { configurationName, formatDateTime, fullName } from '../format';
import { useAccount } from '../session';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { useLoad } from '../ui/useLoad';
import { Alert, useProblem } from '../ui/problems';
import { TwoFactorSection } from './TwoFactorSection';
import { PasskeysSection } from './PasskeysSection';
import './account.css';

// My account: who I am, what I may do (rights configuration) and on which data (entities); my
// authenticator app and my password.

export function AccountPage() {
  const { t, i18n } = useTranslation();
  const account = useAccount();
  // Read afresh: the sign-in answer the session keeps may not carry the previous connection.
  const me = useLoad((): Promise<AccountWithPreviousLogin> => send(consoleApi.GET('/api/v1/me')), []);
  const dash = t('common.none');

  return (
    <section className="page account-page">
      <header className="page-header">
        <h1>{t('account.title')}</h1>
      </header>
      <div className="columns">
        <section className="card" aria-labelledby="account-personal">
          <h2 id="account-personal">{t('account.personal')}</h2>
          <dl className="details">
            <dt>{t('user.gender')}</dt>
            <dd>{account.gender === null ? t('user.genderNotGiven') : t(`user.genders.${account.gender}`)}</dd>
            <dt>{t('user.name')}</dt>
            <dd>{fullName(account)}</dd>
            <dt>{t('user.login')}</dt>
            <dd>{account.login}</dd>
            <dt>{t('user.email')}</dt>
            <dd>{account.email}</dd>
            <dt>{t('user.mobile')}</dt>
            <dd>{account.mobile ?? dash}</dd>
            <dt>{t('user.language')}</dt>
            <dd>{t(`language.names.${account.language}`, { defaultValue: account.language })}</dd>
            <dt>{t('account.licence')}</dt>
            <dd>
              {account.licence.name} <span className="muted">({account.licence.code})</span>
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="account-permissions">
          <h2 id="account-permissions">{t('account.permissions')}</h2>
          <dl className="details">
            <dt>{t('user.rightsConfiguration')}</dt>
            <dd>{configurationName(t, account.configuration)}</dd>
          </dl>
          <h3>{t('account.entities')}</h3>
          <ul className="entity-list account-entities">
            {account.entities.map((entity) => (
              <li key={entity.id} className={entity.isDefault ? 'entity entity-default' : 'entity'}>
                <span>
                  {entity.name} <span className="muted">({entity.code})</span>
                </span>
                {entity.isDefault ? <span className="badge badge-success">{t('account.defaultEntity')}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <TwoFactorSection />
      <PasskeysSection />
      <ChangePasswordForm />
      {/* The help places it below the sections; it is the connection before this one, the current one being no news. */}
      <dl className="details last-connection">
        <dt>{t('account.lastConnection')}</dt>
        <dd>{me.data === undefined ? (me.loading ? t('common.loading') : dash) : previousConnection(me.data) ? formatDateTime(previousConnection(me.data), i18n.language) : t('account.neverConnected')}</dd>
      </dl>
    </section>
  );
}

/** GET /me with the sign-in before the current one (`previousLoginAt`), once the server gives it. */
type AccountWithPreviousLogin = ReturnType<typeof useAccount> & { previousLoginAt?: string | null };

/** The connection before the current one; a server that does not say it yet gives its last sign-in instead. */
function previousConnection(account: AccountWithPreviousLogin): string | null {
  return account.previousLoginAt === undefined ? account.lastLoginAt : account.previousLoginAt;
}

function ChangePasswordForm() {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useProblem(['currentPassword', 'newPassword'], { invalid_credentials: 'currentPassword', weak_password: 'newPassword' });
  const [currentPassword, setCurrentPassword] = useState('');
  const newPassword = useNewPassword();
  const [busy, setBusy] = useState(false);
  useUnsavedChanges(currentPassword !== '' || newPassword.password !== '');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    if (!newPassword.check()) return;
    setBusy(true);
    try {
      await send(consoleApi.PUT('/api/v1/me/password', { body: { currentPassword, newPassword: newPassword.password } }));
      setCurrentPassword('');
      newPassword.reset();
      notify(t('account.passwordChanged'));
    } catch (error) {
      problem.capture(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card form-card" aria-labelledby="account-password">
      <h2 id="account-password">{t('account.changePassword')}</h2>
      <form onSubmit={submit} noValidate className="form form-narrow">
        <Alert>{problem.alert}</Alert>
        <TextField label={t('password.current')} type="password" value={currentPassword} onValue={setCurrentPassword} error={problem.fieldError('currentPassword')} required autoComplete="current-password" />
        <NewPasswordFields state={newPassword} serverError={problem.fieldError('newPassword')} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('account.changePasswordSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}
