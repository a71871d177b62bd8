import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { Link } from '../router';
import { TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { PublicLayout } from './PublicLayout';

// The answer is the same whether or not the account exists, so nobody learns which logins are real.

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const problem = useSubmit(['licence', 'login']);
  const [licence, setLicence] = useState('');
  const [login, setLogin] = useState('');
  const [sent, setSent] = useState(false);

  const submit = problem.onSubmit(async () => {
    await send(consoleApi.POST('/api/v1/auth/password-reset', { body: { licence: licence.trim(), login: login.trim() } }));
    setSent(true);
  });

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
            <button type="submit" className="button button-primary button-wide" disabled={problem.pending}>
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
