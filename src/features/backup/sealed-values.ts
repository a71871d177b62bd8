import { UnsealError, type Sealer } from '../../platform/encryption.ts';
import { ownerOf } from '../auth/authenticator.ts';
import { aadOf } from '../oidc/keys.ts';
import { sealedFor } from '../transfer-box/service.ts';

// The columns that hold sealed values, with the additional data each is sealed with, as a row of an
// export names its columns. An import opens each of them with the importing installation's key ring,
// so a backup brought to the wrong key is refused rather than imported unreadable.

type ExportedRow = Record<string, unknown>;

interface SealedColumn {
  column: string;
  /** text columns hold base64url; bytea columns arrive as row_to_json writes them: "\x" and hex. */
  encoding: 'text' | 'bytea';
  aad(row: ExportedRow): string;
}

const text = (row: ExportedRow, column: string) => String(row[column]);

export const SEALED_COLUMNS: Readonly<Record<string, SealedColumn>> = {
  user_totp: { column: 'secret', encoding: 'text', aad: (row) => ownerOf(text(row, 'licence_id'), text(row, 'user_id')) },
  transfer_box_items: {
    column: 'content',
    encoding: 'bytea',
    aad: (row) => sealedFor({ licenceId: text(row, 'licence_id'), id: text(row, 'id'), recipientId: text(row, 'recipient_id') }),
  },
  signing_keys: { column: 'private_jwk', encoding: 'text', aad: (row) => aadOf(text(row, 'kid')) },
};

/** True when the row's sealed value (if its table has one) opens with the ring. */
export function opensWith(sealer: Sealer, table: string, row: ExportedRow): boolean {
  const sealed = SEALED_COLUMNS[table];
  if (sealed === undefined) return true;
  const value = String(row[sealed.column]);
  const bytes = sealed.encoding === 'text' ? Buffer.from(value, 'base64url') : Buffer.from(value.replace(/^\\x/, ''), 'hex');
  try {
    sealer.open(bytes, sealed.aad(row));
    return true;
  } catch (error) {
    if (error instanceof UnsealError) return false;
    throw error;
  }
}

/** What an export carries to prove which key sealed it: a known text sealed under its current key. */
const KEY_CHECK_AAD = 'gatehouse-export-key-check';
const KEY_CHECK_TEXT = 'sealed by the exporting installation';

export const keyCheckOf = (sealer: Sealer) => sealer.sealText(KEY_CHECK_TEXT, KEY_CHECK_AAD);

export function passesKeyCheck(sealer: Sealer, keyCheck: string): boolean {
  try {
    return sealer.openText(keyCheck, KEY_CHECK_AAD) === KEY_CHECK_TEXT;
  } catch (error) {
    if (error instanceof UnsealError) return false;
    throw error;
  }
}
