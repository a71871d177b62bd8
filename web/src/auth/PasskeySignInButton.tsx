import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import type { SignInAnswer } from '../api/types';
import { ceremonyError } from '../account/PasskeysSection';

// "Sign in with a passkey" on the sign-in page: the licence typed in the form (and the login, when
// typed, which then only accepts that account's passkeys), then the device's own passkey chooser.
// A passkey is two factors by itself: the answer is a signed-in session, which goes down the page's
// one signed-in path.

interface Props {
  licence: string;
  login: string;
  disabled: boolean;
  /** The page's form runner: pending state, and the refusal shown in the form's alert. */
  run: (work: () => Promise<void>) => Promise<boolean>;
  onSignedIn: (answer: Extract<SignInAnswer, { status: 'ok' }>) => Promise<void>;
}

export function PasskeySignInButton({ licence, login, disabled, run, onSignedIn }: Props) {
  const { t } = useTranslation();
  if (!browserSupportsWebAuthn()) return null;

  const signIn = () =>
    void run(async () => {
      const typedLicence = licence.trim();
      if (typedLicence === '') throw new ApiError(422, { code: 'validation_failed', errors: [{ field: 'licence', code: 'required', message: t('fieldErrors.required') }] });
      const typedLogin = login.trim();
      const started = await send(consoleApi.POST('/api/v1/auth/passkey/options', { body: { licence: typedLicence, ...(typedLogin === '' ? {} : { login: typedLogin }) } }));
      let response;
      try {
        response = await startAuthentication({ optionsJSON: started.options as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
      } catch (error) {
        throw ceremonyError(error, t('passkeys.ceremonyFailed'));
      }
      // Spread into plain objects: the browser library's interfaces are the same JSON the schema describes.
      const answer = { ...response, response: { ...response.response }, clientExtensionResults: { ...response.clientExtensionResults } };
      try {
        await onSignedIn(await send(consoleApi.POST('/api/v1/auth/passkey', { body: { licence: typedLicence, challengeId: started.challengeId, response: answer } })));
      } catch (error) {
        throw inReadersLanguage(error, t('passkeys.rejected'));
      }
    });

  return (
    <div className="form-actions">
      <button type="button" className="button button-wide" onClick={signIn} disabled={disabled}>
        {t('passkeys.signIn')}
      </button>
    </div>
  );
}

/** The server says why in English; the person needs to know only that this passkey was not accepted here. */
function inReadersLanguage(error: unknown, rejected: string): unknown {
  return error instanceof ApiError && error.code === 'passkey_rejected' ? new ApiError(error.status, { ...error.problem, detail: rejected }) : error;
}
