// The text helpers of setting up an authenticator app, apart from the screen so they test alone.

/** A base32 key in blocks of 4, as people type it into an app: "ABCD EFGH IJ". */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** A code as typed, with the spaces or dashes some apps show inside it left out. */
export function cleanCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}
