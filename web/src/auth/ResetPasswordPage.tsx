import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi } from '../api';
import { Link, useLocation } from '../router';
import { Alert, useProblem } from '../ui/problems';
import { PublicLayout } from './PublicLayout';
import { NewPasswordFields, useNewPassword } from './NewPasswordFields';

// The page behind the link of welcome and reset e-mails: /reset-password?token=…

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const problem = useProblem(['password'], { weak_password: 'password' });
  const newPassword = useNewPassword();
  const [done, setDone] = useState(false);
  const [linkInvalid, setLinkInvalid] = useState(token === '');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    if (!newPassword.check()) return;
    setBusy(true);
    try {
      await consoleApi.post('/auth/password-reset/complete', { token, password: newPassword.password });
      setDone(true);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_token') setLinkInvalid(true);
      else problem.capture(error);
    } finally {
      setBusy(false);
    }
  };

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
          <button type="submit" className="button button-primary button-wide" disabled={busy}>
            {t('resetPassword.submit')}
          </button>
        </div>
      </form>
    </PublicLayout>
  );
}
