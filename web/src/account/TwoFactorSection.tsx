import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import type { TotpEnrolment } from '../api/types';
import { useUnsavedChanges } from '../router';
import { useAccount, useSession } from '../session';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { Alert, useProblem } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { cleanCode, groupSecret } from './twoFactor';

// My account's two-factor authentication: set up an authenticator app (password, then its key, then
// a first code from it to confirm), or remove it (password). The key is shown once, at set-up.

type Step = { kind: 'status' } | { kind: 'setUpPassword' } | { kind: 'confirm'; enrolment: TotpEnrolment } | { kind: 'removePassword' };

export function TwoFactorSection() {
  const { t } = useTranslation();
  const account = useAccount();
  const { refreshAccount } = useSession();
  const notify = useNotify();
  const [step, setStep] = useState<Step>({ kind: 'status' });
  const heading = useRef<HTMLHeadingElement>(null);
  // The licence's own two-factor (a code by SMS at each sign-in) protects the account too.
  const licence = useLoad(() => send(consoleApi.GET('/api/v1/licence')), []);

  /** Back to the status, the focus on the section's heading so the keyboard stays in place. */
  const backToStatus = () => {
    setStep({ kind: 'status' });
    window.setTimeout(() => heading.current?.focus(), 0);
  };

  const finished = async (message: string) => {
    try {
      await refreshAccount();
    } catch {
      // The change is made; the status line catches up at the next load.
    }
    notify(message);
    backToStatus();
  };

  return (
    <section className="card form-card" aria-labelledby="account-two-factor">
      <h2 id="account-two-factor" ref={heading} tabIndex={-1}>
        {t('account.twoFactor.title')}
      </h2>
      <TwoFactorStatus totpEnabled={account.totpEnabled} mobile={account.mobile} licenceTwoFactor={licence.data?.twoFactor ?? false} />
      {step.kind === 'status' ? (
        <div className="form-actions">
          {account.totpEnabled ? (
            <button type="button" className="button button-danger" onClick={() => setStep({ kind: 'removePassword' })}>
              {t('account.twoFactor.remove')}
            </button>
          ) : (
            <button type="button" className="button button-primary" onClick={() => setStep({ kind: 'setUpPassword' })}>
              {t('account.twoFactor.setUp')}
            </button>
          )}
        </div>
      ) : null}
      {step.kind === 'setUpPassword' ? (
        <PasswordForm
          intro={t('account.twoFactor.setUpIntro')}
          submitLabel={t('account.twoFactor.continue')}
          onSubmit={async (password) => {
            try {
              const enrolment = await send(consoleApi.POST('/api/v1/me/totp', { body: { password } }));
              setStep({ kind: 'confirm', enrolment });
            } catch (error) {
              // Set up meanwhile (another tab): show it as it is now.
              if (error instanceof ApiError && error.code === 'conflict') void refreshAccount().catch(() => undefined);
              throw error;
            }
          }}
          onCancel={backToStatus}
        />
      ) : null}
      {step.kind === 'confirm' ? <ConfirmApp enrolment={step.enrolment} onConfirmed={() => finished(t('account.twoFactor.enabled'))} onCancel={backToStatus} /> : null}
      {step.kind === 'removePassword' ? <RemoveAppForm onRemoved={() => finished(t('account.twoFactor.removed'))} onCancel={backToStatus} /> : null}
    </section>
  );
}

/** What protects the sign-in: the authenticator app, the licence's SMS code, or nothing beyond the password. */
function TwoFactorStatus({ totpEnabled, mobile, licenceTwoFactor }: { totpEnabled: boolean; mobile: string | null; licenceTwoFactor: boolean }) {
  const { t } = useTranslation();
  if (totpEnabled) {
    return (
      <p className="two-factor-status">
        <span className="badge badge-success">{t('account.twoFactor.on')}</span> {t('account.twoFactor.onBody')}
      </p>
    );
  }
  if (licenceTwoFactor) {
    return (
      <>
        <p className="two-factor-status">
          <span className="badge badge-success">{t('account.twoFactor.sms')}</span> {mobile === null ? t('account.twoFactor.smsBodyNoMobile') : t('account.twoFactor.smsBody', { mobile })}
        </p>
        <p className="muted">{t('account.twoFactor.smsAndApp')}</p>
      </>
    );
  }
  return (
    <p className="two-factor-status">
      <span className="badge badge-neutral">{t('account.twoFactor.off')}</span> {t('account.twoFactor.offBody')}
    </p>
  );
}

/**
 * Removing one's own authenticator is a dangerous act: the step-up asks again for the current password,
 * or a current code of the app being removed.
 */
function RemoveAppForm({ onRemoved, onCancel }: { onRemoved: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [withCode, setWithCode] = useState(false);
  const field = withCode ? 'code' : 'currentPassword';
  const problem = useProblem(['currentPassword', 'code', 'password'], { step_up_failed: field, step_up_required: field, invalid_credentials: field, wrong_code: field });
  const [secret, setSecret] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    const typed = withCode ? cleanCode(secret) : secret;
    setMissing(typed === '');
    if (typed === '') {
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await send(consoleApi.DELETE('/api/v1/me/totp', { body: withCode ? { code: typed } : { currentPassword: typed } }));
      await onRemoved();
    } catch (error) {
      problem.capture(error);
      setSecret('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const switchWay = () => {
    setWithCode((current) => !current);
    setSecret('');
    setMissing(false);
    problem.clear();
    window.setTimeout(() => input.current?.focus(), 0);
  };

  return (
    <form onSubmit={submit} noValidate className="form form-narrow" aria-label={t('account.twoFactor.removeSubmit')}>
      <p>{withCode ? t('account.twoFactor.removeIntroCode') : t('account.twoFactor.removeIntro')}</p>
      <Alert>{problem.alert}</Alert>
      <TextField
        ref={input}
        label={withCode ? t('account.twoFactor.code') : t('account.twoFactor.password')}
        type={withCode ? 'text' : 'password'}
        value={secret}
        onValue={setSecret}
        error={missing ? t('fieldErrors.required') : (problem.fieldError(field) ?? problem.fieldError('password'))}
        required
        autoComplete={withCode ? 'one-time-code' : 'current-password'}
        inputMode={withCode ? 'numeric' : undefined}
        autoFocus
      />
      <p>
        <button type="button" className="link-button" onClick={switchWay}>
          {withCode ? t('account.twoFactor.usePassword') : t('account.twoFactor.useCode')}
        </button>
      </p>
      <div className="form-actions">
        <button type="submit" className="button button-danger" disabled={busy}>
          {t('account.twoFactor.removeSubmit')}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

interface PasswordFormProps {
  intro: string;
  submitLabel: string;
  danger?: boolean;
  /** Throws the API's failure, shown beside the password or in the alert. */
  onSubmit: (password: string) => Promise<void>;
  onCancel: () => void;
}

function PasswordForm({ intro, submitLabel, danger = false, onSubmit, onCancel }: PasswordFormProps) {
  const { t } = useTranslation();
  const problem = useProblem(['password'], { invalid_credentials: 'password' });
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    setMissing(password === '');
    if (password === '') {
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(password);
    } catch (error) {
      problem.capture(error);
      setPassword('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="form form-narrow" aria-label={submitLabel}>
      <p>{intro}</p>
      <Alert>{problem.alert}</Alert>
      <TextField
        ref={input}
        label={t('account.twoFactor.password')}
        type="password"
        value={password}
        onValue={setPassword}
        error={missing ? t('fieldErrors.required') : problem.fieldError('password')}
        required
        autoComplete="current-password"
        autoFocus
      />
      <div className="form-actions">
        <button type="submit" className={danger ? 'button button-danger' : 'button button-primary'} disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function ConfirmApp({ enrolment, onConfirmed, onCancel }: { enrolment: TotpEnrolment; onConfirmed: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useProblem(['code']);
  const [code, setCode] = useState('');
  const [formatError, setFormatError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const firstHeading = useRef<HTMLHeadingElement>(null);
  const keyId = useId();
  // An enrolment begun (the key perhaps already in the app) is lost if the page is left before its code confirms it.
  const unsaved = useUnsavedChanges(true);
  // The password form that led here is gone: the focus moves on to what to do next.
  useEffect(() => firstHeading.current?.focus(), []);

  const copy = async (text: string, done: string) => {
    try {
      await navigator.clipboard.writeText(text);
      notify(done);
    } catch {
      notify(t('account.twoFactor.copyFailed'), 'error');
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    const typed = cleanCode(code);
    const wrongShape = !/^\d{6}$/.test(typed);
    setFormatError(wrongShape ? t('account.twoFactor.codeFormat') : undefined);
    if (wrongShape) {
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await send(consoleApi.POST('/api/v1/me/totp/confirm', { body: { code: typed } }));
      unsaved.saved();
      await onConfirmed();
    } catch (error) {
      problem.capture(error);
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <ol className="setup-steps">
      <li>
        <h3 ref={firstHeading} tabIndex={-1}>
          {t('account.twoFactor.addTitle')}
        </h3>
        <p>{t('account.twoFactor.addIntro')}</p>
        <p className="field-label" id={keyId}>
          {t('account.twoFactor.key')}
        </p>
        <div className="copy-row">
          <code className="secret totp-secret" aria-labelledby={keyId} translate="no">
            {groupSecret(enrolment.secret)}
          </code>
          <button type="button" className="button button-small" onClick={() => void copy(enrolment.secret, t('account.twoFactor.keyCopied'))}>
            {t('account.twoFactor.copyKey')}
          </button>
        </div>
        <p className="field-hint">{t('account.twoFactor.keyHint')}</p>
        <p>
          <a href={enrolment.otpauthUrl}>{t('account.twoFactor.openLink')}</a>
        </p>
        <div className="copy-row">
          <TextField label={t('account.twoFactor.link')} value={enrolment.otpauthUrl} onValue={() => undefined} readOnly spellCheck={false} onFocus={(event) => event.currentTarget.select()} className="totp-link" />
          <button type="button" className="button button-small" onClick={() => void copy(enrolment.otpauthUrl, t('account.twoFactor.linkCopied'))}>
            {t('account.twoFactor.copyLink')}
          </button>
        </div>
      </li>
      <li>
        <h3>{t('account.twoFactor.confirmTitle')}</h3>
        <form onSubmit={submit} noValidate className="form form-narrow" aria-label={t('account.twoFactor.confirmTitle')}>
          <p>{t('account.twoFactor.confirmIntro')}</p>
          <Alert>{problem.alert}</Alert>
          <TextField
            ref={input}
            label={t('account.twoFactor.code')}
            value={code}
            onValue={setCode}
            error={formatError ?? problem.fieldError('code')}
            required
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={9}
            spellCheck={false}
          />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {t('account.twoFactor.confirm')}
            </button>
            <button type="button" className="button" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      </li>
    </ol>
  );
}
