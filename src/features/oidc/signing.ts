import { createPrivateKey, createPublicKey, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import type { ExternalSigningKey } from 'oidc-provider';
import type { SigningKey } from './keys.ts';
import type { OidcLibrary } from './library.ts';

/**
 * The provider's keys as it signs with them: one node:crypto signature in the request's own thread
 * (about 0.3 ms for RS256, 0.05 ms for ES256 on the benchmarks' machine), where jose's WebCrypto sends
 * each signature to the thread pool and back: on a busy core that hand-over (wake a worker, switch,
 * settle a promise) cost about as much as an ES256 signature itself, twice per code exchange
 * (bench/oidc/README.md). The library's own extension point for keys it does not hold as JWKs,
 * `ExternalSigningKey` (the `externalSigningSupport` feature, acknowledged in provider.ts); the
 * signatures are JWS's: PKCS #1 v1.5 for RS256, r‖s (IEEE P1363) for ES256.
 */
export function providerSigningKeys(library: OidcLibrary, keys: readonly SigningKey[]): ExternalSigningKey[] {
  class SignedHere extends library.ExternalSigningKey {
    readonly #publicKey: KeyObject;
    readonly #signWith: SignKeyObjectInput | KeyObject;

    constructor(key: SigningKey) {
      super();
      const privateKey = createPrivateKey({ key: key.jwk, format: 'jwk' });
      this.#publicKey = createPublicKey(privateKey);
      this.#signWith = key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey;
      // The library's class has setters for both; its types declare only the getters.
      const named = this as { kid: string; alg: string };
      named.kid = key.kid;
      named.alg = key.alg;
    }

    override keyObject(): KeyObject {
      return this.#publicKey;
    }

    override sign(data: Uint8Array): Buffer {
      return sign('sha256', data, this.#signWith);
    }
  }
  return keys.map((key) => new SignedHere(key));
}
