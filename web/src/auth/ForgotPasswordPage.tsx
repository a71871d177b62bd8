import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi } from '../api';
import { Link } from '../router';
import { TextField } from '../ui/fields';
import { Alert, useProblem } from '../ui/problems';
import { PublicLayout } from './PublicLayout';

// The answer is the same whether or not the account exists, so nobody learns which logins are real.

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const problem = useProblem(['licence', 'login']);
  const [licence, setLicence] = useState('');
  const [login, setLogin] = useState('');
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    setBusy(true);
    try {
      await consoleApi.post('/auth/password-reset', { licence: licence.trim(), login: login.trim() });
      setSent(true);
    } catch (error) {
      problem.capture(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicLayout title={t('forgotPassword.title')}>
      {sent ? (
        <>
          <Alert tone="success">{t('forgotPassword.sent')}</Alert>
          <p className="public-links">
            <Link to="/sign-in">{t('common.backToSignIn')}</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} noValidate className="form">
          <p>{t('forgotPassword.intro')}</p>
          <Alert>{problem.alert}</Alert>
          <TextField label={t('signIn.licence')} value={licence} onValue={setLicence} error={problem.fieldError('licence')} required autoCapitalize="none" spellCheck={false} />
          <TextField label={t('signIn.login')} value={login} onValue={setLogin} error={problem.fieldError('login')} required autoComplete="username" autoCapitalize="none" spellCheck={false} />
          <div className="form-actions">
            <button type="submit" className="button button-primary button-wide" disabled={busy}>
              {t('forgotPassword.submit')}
            </button>
          </div>
          <p className="public-links">
            <Link to="/sign-in">{t('common.backToSignIn')}</Link>
          </p>
        </form>
      )}
    </PublicLayout>
  );
}
