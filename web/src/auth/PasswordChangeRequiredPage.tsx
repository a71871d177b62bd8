import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { useSession } from '../session';
import { TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { NewPasswordFields, useNewPassword } from './NewPasswordFields';
import { PublicLayout } from './PublicLayout';

// Shown instead of the console while the session was opened with a password past the licence's
// renewal period: the server serves nothing else until a new one is chosen (403
// password_change_required), so the person stays here, reload or not, until they change it.

export function PasswordChangeRequiredPage() {
  const { t } = useTranslation();
  const { signedIn, signOut } = useSession();
  const problem = useSubmit(['currentPassword', 'newPassword'], { invalid_credentials: 'currentPassword', weak_password: 'newPassword', password_reused: 'newPassword' });
  const [currentPassword, setCurrentPassword] = useState('');
  const newPassword = useNewPassword();

  const submit = problem.onSubmit(async () => {
    if (!newPassword.check()) return;
    await send(consoleApi.PUT('/api/v1/me/password', { body: { currentPassword, newPassword: newPassword.password } }));
    // The session serves everything again: load it afresh, menus included.
    const session = await send(consoleApi.GET('/api/v1/auth/session'));
    if (session.status === 'ok') await signedIn({ csrfToken: session.csrfToken, user: session.user });
  });

  return (
    <PublicLayout title={t('passwordRenewal.changeTitle')}>
      <form onSubmit={submit} noValidate className="form">
        <p>{t('passwordRenewal.changeIntro')}</p>
        <Alert>{problem.alert}</Alert>
        <TextField label={t('password.current')} type="password" value={currentPassword} onValue={setCurrentPassword} error={problem.fieldError('currentPassword')} required autoComplete="current-password" />
        <NewPasswordFields state={newPassword} serverError={problem.fieldError('newPassword')} />
        <p className="muted">{t('passwordRenewal.changeHistoryHint')}</p>
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={problem.pending}>
            {t('passwordRenewal.changeSubmit')}
          </button>
        </div>
        <p className="public-links">
          <button type="button" className="link-button" onClick={() => void signOut()}>
            {t('passwordRenewal.signOut')}
          </button>
        </p>
      </form>
    </PublicLayout>
  );
}
