import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { generateDetachedKeyPair } from '../../src/platform/crypto.ts';
import { isoCBOR } from '@simplewebauthn/server/helpers';

// A software authenticator for API tests: it makes real WebAuthn answers, signed with a P-256 key
// from node:crypto, so the server's ceremonies run as they do with a browser and a security key.
// It builds clientDataJSON, the authenticator data (flags, counter, attested credential data with
// the COSE public key) and a 'none' attestation. The CBOR of those few fixed maps is written with
// the CBOR encoder @simplewebauthn/server ships (isoCBOR), rather than one of our own.

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

interface CeremonyOptions {
  challenge: string;
  rp?: { id?: string };
  rpId?: string;
  user?: { id: string };
}

/** Changes a ceremony may make, to play a phishing page, a clone or a careless authenticator. */
export interface Tampering {
  /** The origin the "browser" reports; the page it runs on. */
  origin?: string;
  /** A challenge other than the one the server gave. */
  challenge?: string;
  /** The counter to sign with (a clone reuses an old one). */
  counter?: number;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const uint32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};

export class SoftwareAuthenticator {
  private readonly credentials: Credential[] = [];

  constructor(
    /** The origin of the console the "browser" runs, e.g. the server's public URL. */
    private readonly origin: string,
  ) {}

  /** The newest credential made, for tests that sign with it again or hand it to another licence. */
  get lastCredentialId(): string {
    const last = this.credentials.at(-1);
    if (last === undefined) throw new Error('no credential enrolled yet');
    return b64url(last.id);
  }

  /** navigator.credentials.create(): a new resident P-256 credential, as startRegistration() answers. */
  register(options: CeremonyOptions, tampering: Tampering = {}) {
    const rpId = options.rp?.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateDetachedKeyPair('ec');
    const jwk = publicKey.export({ format: 'jwk' });
    const credential: Credential = { id: randomBytes(16), privateKey, userHandle: options.user?.id ?? '', counter: tampering.counter ?? 0 };
    this.credentials.push(credential);
    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(credential.id.length);
    const authenticatorData = Buffer.concat([
      sha256(rpId),
      Buffer.from([FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_DATA]),
      uint32(credential.counter),
      Buffer.alloc(16), // AAGUID: none, as a 'none' attestation may say.
      credentialIdLength,
      credential.id,
      Buffer.from(isoCBOR.encode(coseKey)),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', authenticatorData],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', tampering.challenge ?? options.challenge, tampering.origin);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /**
   * navigator.credentials.get(): an assertion with a credential of this authenticator (the newest, or
   * the one named), its counter one up unless the tampering names it.
   */
  authenticate(options: CeremonyOptions, tampering: Tampering & { credentialId?: string } = {}) {
    const credential = tampering.credentialId === undefined ? this.credentials.at(-1) : this.credentials.find((c) => b64url(c.id) === tampering.credentialId);
    if (credential === undefined) throw new Error('no such credential in this authenticator');
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    credential.counter = tampering.counter ?? credential.counter + 1;
    const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([FLAG_USER_PRESENT | FLAG_USER_VERIFIED]), uint32(credential.counter)]);
    const clientDataJSON = this.clientData('webauthn.get', tampering.challenge ?? options.challenge, tampering.origin);
    // ES256 signatures are DER-encoded in WebAuthn, which is node:crypto's default for EC keys.
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature), userHandle: credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
