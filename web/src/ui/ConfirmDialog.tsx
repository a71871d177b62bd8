import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { TextField } from './fields';
import { Alert } from './problems';
import { useSubmit } from './useSubmit';

// The one confirmation of the console, on the native <dialog>: it traps focus, closes on Escape and
// restores focus. With `stepUp` it asks for the acting person's current password again (the server
// refuses the dangerous acts without it: step_up_required / step_up_failed on `currentPassword`).

export interface StepUp {
  currentPassword?: string;
}

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** Ask for the current password, sent with the confirmed request. */
  stepUp?: boolean;
  /** Outside work in flight (when onConfirm does not return its promise). */
  busy?: boolean;
  /** Does the act; a refusal it throws is shown in the dialog, which then stays open. */
  onConfirm: (stepUp: StepUp) => void | Promise<void>;
  onCancel: () => void;
}

const FIELDS = ['currentPassword'] as const;

export function ConfirmDialog({ open, title, children, confirmLabel, danger, stepUp, busy, onConfirm, onCancel }: ConfirmDialogProps) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [password, setPassword] = useState('');
  const submit = useSubmit(FIELDS, { step_up_required: 'currentPassword', step_up_failed: 'currentPassword' });
  const { clear } = submit;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
    if (!open) {
      // A password typed for one confirmation is never kept for the next.
      setPassword('');
      clear();
    }
  }, [open, clear]);

  const confirm = submit.onSubmit(async () => {
    try {
      await onConfirm(stepUp ? { currentPassword: password } : {});
    } catch (error) {
      // The step-up refusals concern the password field: said under it, in the reader's language.
      if (!(error instanceof ApiError) || (error.code !== 'step_up_required' && error.code !== 'step_up_failed')) throw error;
      submit.show({ currentPassword: error.code === 'step_up_failed' ? t('confirm.wrongPassword') : t('fieldErrors.required') });
    }
  });

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {open ? (
        <form onSubmit={confirm} noValidate>
          <h2 id={titleId}>{title}</h2>
          <div className="dialog-body">{children}</div>
          {stepUp ? (
            <TextField
              label={t('confirm.currentPassword')}
              type="password"
              autoComplete="current-password"
              value={password}
              onValue={setPassword}
              error={submit.fieldError('currentPassword')}
              hint={t('confirm.stepUpHint')}
              required
              autoFocus
            />
          ) : null}
          <Alert>{submit.alert}</Alert>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onCancel} autoFocus={!stepUp}>
              {t('common.cancel')}
            </button>
            <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy || submit.pending}>
              {confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
