import { useCallback, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';

// The one way the console shows an API failure: field errors beside their fields, the rest in an alert.

// Codes whose console wording says all the server's detail would. Any other refusal (forbidden,
// conflict, a code the console does not know…) shows the server's own detail, which the server writes
// in the reader's language (the client sends it as Accept-Language): a generic "You are not allowed
// to do this." hides what the person can do about it.
const SELF_EXPLAINING = new Set([
  'invalid_credentials',
  'login_taken',
  'weak_password',
  'invalid_token',
  'csrf_failed',
  'too_many_attempts',
  'network_error',
  'not_found',
  'cannot_target_self',
  'step_up_required',
  'step_up_failed',
]);

export function problemMessage(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.detail !== undefined && !SELF_EXPLAINING.has(error.code)) return error.detail;
    return t(`problems.${error.code}`, { defaultValue: error.detail ?? error.title });
  }
  return t('problems.unexpected_error');
}

export function fieldErrorMessage(t: TFunction, code: string, message: string): string {
  return t(`fieldErrors.${code}`, { defaultValue: message });
}

export interface UserMissingMobile {
  id: string;
  login: string;
}

/** The users a 409 `users_missing_mobile` names: two-factor cannot turn on until they have a mobile. */
export function usersMissingMobile(error: unknown): UserMissingMobile[] {
  if (!(error instanceof ApiError) || error.code !== 'users_missing_mobile' || !Array.isArray(error.problem.users)) return [];
  return error.problem.users.filter(
    (user): user is UserMissingMobile => typeof user === 'object' && user !== null && typeof (user as UserMissingMobile).id === 'string' && typeof (user as UserMissingMobile).login === 'string',
  );
}

export interface ProblemState {
  /** The translated error for a field, if the last answer named it. */
  fieldError(field: string): string | undefined;
  /** The error not tied to a shown field, for the form's alert. */
  alert: string | null;
  /** Takes a failure and spreads it over the fields and the alert. */
  capture(error: unknown): void;
  /** Shows what the form found itself before sending (e.g. "Required" on empty fields). */
  show(fieldErrors: Record<string, string>): void;
  clear(): void;
}

/**
 * @param shownFields the fields the form displays; errors on other fields go to the alert.
 * @param fieldOfCode problem codes that belong to one field, e.g. login_taken → login.
 */
export function useProblem(shownFields: readonly string[], fieldOfCode: Record<string, string> = {}): ProblemState {
  const { t } = useTranslation();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<string | null>(null);

  const capture = useCallback(
    (error: unknown) => {
      const nextFields: Record<string, string> = {};
      const loose: string[] = [];
      if (error instanceof ApiError) {
        for (const fieldError of error.fieldErrors) {
          const message = fieldErrorMessage(t, fieldError.code, fieldError.message);
          if (shownFields.includes(fieldError.field)) nextFields[fieldError.field] ??= message;
          else loose.push(`${fieldError.field}: ${message}`);
        }
        const codeField = fieldOfCode[error.code];
        if (codeField !== undefined && shownFields.includes(codeField)) nextFields[codeField] ??= problemMessage(t, error);
        else if (error.fieldErrors.length === 0 || loose.length > 0) loose.unshift(problemMessage(t, error));
      } else {
        loose.push(problemMessage(t, error));
      }
      setFields(nextFields);
      setAlert(loose.length > 0 ? loose.join(' — ') : null);
    },
    // The field lists are constants of each form, so only the language renews the callback.
    [t],
  );
  const clear = useCallback(() => {
    setFields({});
    setAlert(null);
  }, []);
  const show = useCallback((fieldErrors: Record<string, string>) => {
    setFields(fieldErrors);
    setAlert(null);
  }, []);
  const fieldError = useCallback((field: string) => fields[field], [fields]);

  return { fieldError, alert, capture, show, clear };
}

export function Alert({ children, tone = 'error' }: { children: ReactNode; tone?: 'error' | 'info' | 'success' }) {
  if (children === null || children === undefined || children === '') return null;
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
