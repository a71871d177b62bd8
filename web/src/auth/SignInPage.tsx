import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import type { SecondFactorMethod, SignInAnswer } from '../api/types';
import { Link, leaveFor, navigate, safeContinue, safeNext, useLocation } from '../router';
import { useSession } from '../session';
import { TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { PublicLayout } from './PublicLayout';
import { PasskeySignInButton } from './PasskeySignInButton';

// Sign in with licence, login and password, then a second factor when one is asked: the code of the
// user's authenticator app, or the code sent by SMS when the licence has two-factor on (or both, the
// SMS then sent only on request).

const LAST_LICENCE_KEY = 'gatehouse.lastLicence';

function lastLicence(): string {
  try {
    return localStorage.getItem(LAST_LICENCE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function SignInPage() {
  const { t } = useTranslation();
  const [pending, setPending] = useState<PendingSecondFactor | null>(null);
  return (
    <PublicLayout title={pending === null ? t('signIn.title') : t('secondFactor.title')}>
      {pending === null ? <PasswordStep onSecondFactor={setPending} /> : <SecondFactorStep challenge={pending.challenge} methods={pending.methods} onRestart={() => setPending(null)} />}
    </PublicLayout>
  );
}

interface PendingSecondFactor {
  challenge: string;
  methods: SecondFactorMethod[];
}

function useFinishSignIn() {
  const { signedIn } = useSession();
  const { search } = useLocation();
  return async (answer: Extract<SignInAnswer, { status: 'ok' }>) => {
    await signedIn({ csrfToken: answer.csrfToken, user: answer.user });
    // Signing in for an application: back to the provider, which sends the person on to it.
    const continueTo = safeContinue(search.get('continue'));
    if (continueTo !== null) leaveFor(continueTo);
    else navigate(safeNext(search.get('next')), { replace: true });
  };
}

function PasswordStep({ onSecondFactor }: { onSecondFactor: (pending: PendingSecondFactor) => void }) {
  const { t } = useTranslation();
  const finish = useFinishSignIn();
  const problem = useSubmit(['licence', 'login', 'password']);
  const [licence, setLicence] = useState(lastLicence);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');

  const submit = problem.onSubmit(async () => {
    let answer: SignInAnswer;
    try {
      answer = await send(consoleApi.POST('/api/v1/auth/login', { body: { licence: licence.trim(), login: login.trim(), password } }));
    } catch (error) {
      setPassword('');
      throw error;
    }
    try {
      localStorage.setItem(LAST_LICENCE_KEY, licence.trim());
    } catch {
      // Remembering the licence is a convenience only.
    }
    if (answer.status === 'second_factor_required') onSecondFactor({ challenge: answer.challenge, methods: answer.methods });
    else await finish(answer);
  });

  return (
    <form onSubmit={submit} noValidate className="form">
      <Alert>{problem.alert}</Alert>
      <TextField label={t('signIn.licence')} value={licence} onValue={setLicence} error={problem.fieldError('licence')} required autoComplete="organization" autoCapitalize="none" spellCheck={false} />
      <TextField label={t('signIn.login')} value={login} onValue={setLogin} error={problem.fieldError('login')} required autoComplete="username" autoCapitalize="none" spellCheck={false} />
      <TextField label={t('signIn.password')} type="password" value={password} onValue={setPassword} error={problem.fieldError('password')} required autoComplete="current-password" />
      <div className="form-actions">
        <button type="submit" className="button button-primary button-wide" disabled={problem.pending}>
          {problem.pending ? t('signIn.signingIn') : t('signIn.submit')}
        </button>
      </div>
      <PasskeySignInButton licence={licence} login={login} disabled={problem.pending} run={problem.run} onSignedIn={finish} />
      <p className="public-links">
        <Link to="/forgot-password">{t('signIn.forgotPassword')}</Link>
      </p>
    </form>
  );
}

function SecondFactorStep({ challenge, methods, onRestart }: { challenge: string; methods: SecondFactorMethod[]; onRestart: () => void }) {
  const { t } = useTranslation();
  const finish = useFinishSignIn();
  const problem = useSubmit(['code']);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>(undefined);
  const usesApp = methods.includes('totp');
  const smsOffered = methods.includes('sms');
  // With the SMS as the only method the server sent it already; alongside an app, only on request.
  const [smsSent, setSmsSent] = useState(!usesApp);
  const [smsNotice, setSmsNotice] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);

  const submit = problem.onSubmit(async () => {
    setCodeError(undefined);
    if (code.trim() === '') {
      setCodeError(t('fieldErrors.required'));
      codeInput.current?.focus();
      return;
    }
    try {
      const answer = await send(consoleApi.POST('/api/v1/auth/second-factor', { body: { challenge, code: code.trim() } }));
      await finish(answer);
    } catch (error) {
      codeInput.current?.focus();
      // A wrong code is a refused credential: say so about the code, not about the password.
      if (!(error instanceof ApiError && error.code === 'invalid_credentials')) throw error;
      setCodeError(t('secondFactor.wrongCode'));
    }
  });

  const sendSms = () =>
    void problem.run(async () => {
      setCodeError(undefined);
      setSmsNotice(null);
      setSending(true);
      try {
        await send(consoleApi.POST('/api/v1/auth/second-factor/resend', { body: { challenge } }));
      } finally {
        setSending(false);
      }
      setSmsSent(true);
      setCode('');
      setSmsNotice(t('secondFactor.smsSent'));
      codeInput.current?.focus();
    });

  const intro = !smsSent ? t('secondFactor.introApp') : usesApp ? t('secondFactor.introSmsOrApp') : t('secondFactor.intro');
  return (
    <form onSubmit={submit} noValidate className="form">
      <p>{intro}</p>
      <Alert tone="info">{smsNotice}</Alert>
      <Alert>{problem.alert}</Alert>
      <TextField
        ref={codeInput}
        label={smsSent ? t('secondFactor.code') : t('secondFactor.appCode')}
        value={code}
        onValue={setCode}
        error={codeError ?? problem.fieldError('code')}
        required
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={6}
        autoFocus
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary button-wide" disabled={problem.pending}>
          {t('secondFactor.submit')}
        </button>
      </div>
      <p className="public-links">
        {smsOffered ? (
          <>
            <button type="button" className="link-button" onClick={sendSms} disabled={sending}>
              {smsSent ? t('secondFactor.resendSms') : t('secondFactor.useSms')}
            </button>
            <br />
          </>
        ) : null}
        <button type="button" className="link-button" onClick={onRestart}>
          {t('secondFactor.restart')}
        </button>
      </p>
    </form>
  );
}
