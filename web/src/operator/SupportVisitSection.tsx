import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { operatorApi, send } from '../api/client';
import { useNotify } from '../ui/feedback';
import { Field, TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';

// A support visit opens the support account's session in the licence; the visit, with its ticket and
// description, is logged where the customer reads it.

export function SupportVisitSection({ code }: { code: string }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['ticket', 'description', 'operator']);
  const [ticket, setTicket] = useState('');
  const [description, setDescription] = useState('');
  const [operator, setOperator] = useState('');
  const [sessionToken, setSessionToken] = useState<string | null>(null);
  // Until the visit is opened; then entering the console is what comes next.
  useUnsavedChanges(sessionToken === null && (ticket !== '' || description !== '' || operator !== ''));
  const busy = problem.pending;

  const submit = problem.onSubmit(async () => {
    const visit = await send(operatorApi.POST('/operator/v1/licences/{code}/support-sessions', { params: { path: { code } }, body: { ticket, description, operator } }));
    setSessionToken(visit.sessionToken);
    notify(t('operator.support.opened', { ticket }));
  });

  // The server puts the support session in the console's HttpOnly cookie, as a sign-in would; the
  // token is sent once, as a Bearer, and never written by this page.
  const enterConsole = async () => {
    if (sessionToken === null) return;
    const response = await fetch('/api/v1/auth/session/cookie', { method: 'POST', headers: { authorization: `Bearer ${sessionToken}` }, credentials: 'same-origin' });
    if (!response.ok) {
      notify(t('operator.support.enterFailed'));
      return;
    }
    window.location.assign('/');
  };

  return (
    <section className="card" aria-labelledby="support-title">
      <h2 id="support-title">{t('operator.support.title')}</h2>
      <p className="muted">{t('operator.support.intro')}</p>
      {sessionToken !== null ? (
        <div>
          <Alert tone="success">{t('operator.support.ready', { ticket })}</Alert>
          <button type="button" className="button button-primary" onClick={() => void enterConsole()}>
            {t('operator.support.enter')}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="form form-narrow">
          <Alert>{problem.alert}</Alert>
          <TextField label={t('operator.support.ticket')} value={ticket} onValue={setTicket} error={problem.fieldError('ticket')} required />
          <Field label={t('operator.support.description')} error={problem.fieldError('description')} required>
            {(control) => <textarea {...control} rows={3} value={description} onChange={(event) => setDescription(event.target.value)} />}
          </Field>
          <TextField label={t('operator.support.operator')} value={operator} onValue={setOperator} error={problem.fieldError('operator')} required autoComplete="name" />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {t('operator.support.submit')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
