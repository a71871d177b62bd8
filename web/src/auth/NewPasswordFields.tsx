import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../ui/fields';

// A new password typed twice; the policy itself (length, blocklist) is the server's to judge.

export const MIN_PASSWORD_LENGTH = 12;

export function useNewPassword() {
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  return {
    password,
    setPassword,
    confirmation,
    setConfirmation,
    mismatch,
    /** True when both entries agree; otherwise marks the confirmation. */
    check(): boolean {
      const agree = password === confirmation;
      setMismatch(!agree);
      return agree;
    },
    reset() {
      setPassword('');
      setConfirmation('');
      setMismatch(false);
    },
  };
}

export function NewPasswordFields({ state, serverError }: { state: ReturnType<typeof useNewPassword>; serverError: string | undefined }) {
  const { t } = useTranslation();
  return (
    <>
      <TextField
        label={t('password.new')}
        type="password"
        value={state.password}
        onValue={state.setPassword}
        error={serverError}
        hint={t('password.policy', { count: MIN_PASSWORD_LENGTH })}
        required
        autoComplete="new-password"
      />
      <TextField
        label={t('password.confirm')}
        type="password"
        value={state.confirmation}
        onValue={state.setConfirmation}
        error={state.mismatch ? t('password.mismatch') : undefined}
        required
        autoComplete="new-password"
      />
    </>
  );
}
