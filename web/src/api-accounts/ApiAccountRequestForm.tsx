import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi } from '../api';
import type { ApiAccountRequest, User } from '../types';
import { joinMobile, MobileField, splitMobile, type MobileParts } from '../users/MobileField';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { Alert, useProblem } from '../ui/problems';

// A licence admin asks the vendor for an API account; the holder receives its password by Transfer Box
// when they have a console account, by SMS otherwise (then their mobile is needed).

const FIELDS = ['login', 'holder.firstName', 'holder.lastName', 'holder.email', 'holder.mobile'] as const;

export function ApiAccountRequestForm({ holderUserId, onDone }: { holderUserId: string | null; onDone: (filed: boolean) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useProblem(FIELDS);
  const [login, setLogin] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');
  const [mobile, setMobile] = useState<MobileParts>(splitMobile(null));
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (holderUserId === null) return;
    consoleApi
      .get<User>(`/users/${holderUserId}`)
      .then((user) => {
        setFirstName(user.firstName);
        setLastName(user.lastName);
        setEmail(user.email);
        setMobile(splitMobile(user.mobile));
      })
      .catch(problem.capture);
  }, [holderUserId, problem.capture]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    setBusy(true);
    try {
      const holderMobile = joinMobile(mobile);
      const filed = await consoleApi.post<ApiAccountRequest>('/api-account-requests', {
        login: login.trim(),
        holder: { firstName, lastName, email, ...(holderMobile === null ? {} : { mobile: holderMobile }) },
      });
      notify(t('apiAccounts.requestFiled', { login: login.trim() }));
      for (const warning of filed.warnings ?? []) notify(t(`apiAccounts.warnings.${warning}`, { defaultValue: warning }), 'info');
      onDone(true);
    } catch (error) {
      problem.capture(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="api-request-title">
      <h2 id="api-request-title">{t('apiAccounts.requestTitle')}</h2>
      <p className="muted">{t('apiAccounts.requestIntro')}</p>
      <Alert>{problem.alert}</Alert>
      <div className="form-grid">
        <TextField label={t('apiAccounts.login')} value={login} onValue={setLogin} error={problem.fieldError('login')} hint={t('apiAccounts.loginHint')} required autoCapitalize="none" spellCheck={false} />
        <span />
        <TextField label={t('user.firstName')} value={firstName} onValue={setFirstName} error={problem.fieldError('holder.firstName')} required />
        <TextField label={t('user.lastName')} value={lastName} onValue={setLastName} error={problem.fieldError('holder.lastName')} required />
        <TextField label={t('user.email')} type="email" value={email} onValue={setEmail} error={problem.fieldError('holder.email')} required />
        <MobileField value={mobile} onValue={setMobile} required={false} error={problem.fieldError('holder.mobile')} hint={t('apiAccounts.mobileHint')} />
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('apiAccounts.requestSubmit')}
        </button>
        <button type="button" className="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
