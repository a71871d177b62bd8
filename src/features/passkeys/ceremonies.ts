import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Problem, type Text } from '../../platform/http/problems.ts';

// The WebAuthn ceremonies as @simplewebauthn/server runs them, with this server's relying party:
// its id is the host name of GATEHOUSE_PUBLIC_URL and the only origin accepted is that URL's. A
// browser on another origin (a phishing copy of the console) gets a signature we refuse.

/**
 * An authenticator's answer as the browser library gives it. Routes check its outline; the library
 * checks every field it reads, so it is handed over as the library's own type.
 */
export interface WebAuthnAnswer {
  id: string;
  [field: string]: unknown;
}

/** Why a ceremony was refused: the `reason` of a passkey_rejected problem. */
export type RejectionReason = 'challenge_expired' | 'unknown_credential' | 'verification_failed' | 'counter_went_back' | 'already_registered';

export const passkeyRejected = (reason: RejectionReason, detail: Text, status?: number) => new Problem('passkey_rejected', detail, { reason }, status);

/** ES256 and RS256: what platform authenticators and security keys make (EdDSA keys are rare and optional). */
const ALGORITHMS = [-7, -257, -8];

/** A passkey proves two factors only with user verification (a PIN, a fingerprint): always asked. */
const USER_VERIFICATION = 'required';

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin, name: 'Gatehouse' };
}

/** Library errors say what failed (origin, challenge, signature); kept as the problem's detail. */
const verificationFailed = (error: unknown, status?: number) =>
  passkeyRejected(
    'verification_failed',
    {
      en: `The passkey's answer was refused: ${error instanceof Error ? error.message : 'it could not be verified'}`,
      fr: `La réponse de la clé d'accès a été refusée : ${error instanceof Error ? error.message : "elle n'a pas pu être vérifiée"}`,
    },
    status,
  );

export function createCeremonies(rp: RelyingParty) {
  return {
    /** Sign-in uses discoverable credentials: the list of allowed ones stays empty, whoever signs in. */
    registrationOptions: (user: { id: string; name: string; displayName: string }, existing: { credentialId: string; transports: string[] }[]) =>
      generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.name,
        // The user handle is the account's id, never its login or name.
        userID: Buffer.from(user.id.replaceAll('-', ''), 'hex'),
        userDisplayName: user.displayName,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: USER_VERIFICATION },
        supportedAlgorithmIDs: ALGORITHMS,
      }),

    /** Checks an enrolment; `spend` answers whether the signed challenge is one of ours, and spends it. */
    async verifyRegistration(response: WebAuthnAnswer, spend: (challenge: string) => Promise<boolean>) {
      let verified;
      try {
        verified = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          expectedChallenge: spend,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('Custom challenge verifier returned false')) {
          throw passkeyRejected('challenge_expired', { en: 'This enrolment is unknown, used or expired: start again', fr: 'Cet enregistrement est inconnu, a déjà servi ou a expiré : recommencez' }, 422);
        }
        throw verificationFailed(error, 422);
      }
      if (!verified.verified) throw verificationFailed(null, 422);
      return verified.registrationInfo;
    },

    authenticationOptions: () => generateAuthenticationOptions({ rpID: rp.id, allowCredentials: [], userVerification: USER_VERIFICATION }),

    /**
     * Checks a sign-in's signature. The counter rule is ours, applied once the signature holds (the
     * library would check it first): a counter going back is then a clone, not a forged answer.
     */
    async verifyAuthentication(response: WebAuthnAnswer, expectedChallenge: string, credential: { credentialId: string; publicKey: Buffer; transports: string[] }) {
      let verified;
      try {
        verified = await verifyAuthenticationResponse({
          response: response as unknown as AuthenticationResponseJSON,
          expectedChallenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: { id: credential.credentialId, publicKey: new Uint8Array(credential.publicKey), counter: 0, transports: credential.transports as never },
          requireUserVerification: true,
        });
      } catch (error) {
        throw verificationFailed(error);
      }
      if (!verified.verified) throw verificationFailed(null);
      return verified.authenticationInfo;
    },
  };
}

/** An authenticator that counts must count up; a copy of its key signs with a count already seen. */
export const counterWentBack = (stored: number, presented: number) => (stored > 0 || presented > 0) && presented <= stored;

export type Ceremonies = ReturnType<typeof createCeremonies>;
