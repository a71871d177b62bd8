import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import { Link, useLocation } from '../router';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { PublicLayout } from './PublicLayout';
import { NewPasswordFields, useNewPassword } from './NewPasswordFields';

// The page behind the link of welcome and reset e-mails: /reset-password?token=…

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const problem = useSubmit(['password'], { weak_password: 'password' });
  const newPassword = useNewPassword();
  const [done, setDone] = useState(false);
  const [linkInvalid, setLinkInvalid] = useState(token === '');

  const submit = problem.onSubmit(async () => {
    if (!newPassword.check()) return;
    try {
      await send(consoleApi.POST('/api/v1/auth/password-reset/complete', { body: { token, password: newPassword.password } }));
      setDone(true);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'invalid_token')) throw error;
      setLinkInvalid(true);
    }
  });

  if (done) {
    return (
      <PublicLayout title={t('resetPassword.title')}>
        <Alert tone="success">{t('resetPassword.done')}</Alert>
        <p className="public-links">
          <Link to="/sign-in">{t('resetPassword.goToSignIn')}</Link>
        </p>
      </PublicLayout>
    );
  }
  if (linkInvalid) {
    return (
      <PublicLayout title={t('resetPassword.title')}>
        <Alert>{t('problems.invalid_token')}</Alert>
        <p className="public-links">
          <Link to="/forgot-password">{t('resetPassword.askAgain')}</Link>
        </p>
      </PublicLayout>
    );
  }
  return (
    <PublicLayout title={t('resetPassword.title')}>
      <form onSubmit={submit} noValidate className="form">
        <p>{t('resetPassword.intro')}</p>
        <Alert>{problem.alert}</Alert>
        <NewPasswordFields state={newPassword} serverError={problem.fieldError('password')} />
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={problem.pending}>
            {t('resetPassword.submit')}
          </button>
        </div>
      </form>
    </PublicLayout>
  );
}
