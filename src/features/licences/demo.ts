import type { Logger } from '../../platform/logger.ts';
import type { Database } from '../../platform/db/client.ts';
import { createOperatorToken } from '../operator/service.ts';
import { Problem } from '../../platform/http/problems.ts';
import type { LicencesService } from './service.ts';

// A first start on an empty database sets up a licence to look around with, so a newcomer can sign
// in at once. Printed once: the admin's set-password link and an operator token.

export async function seedDemo(db: Database, licences: LicencesService, logger: Logger): Promise<boolean> {
  if ((await licences.countLicences()) > 0) return false;
  // Several processes starting together on an empty database race here; the first one wins.
  const demo = {
    code: 'demo',
    name: 'Demo',
    seatLimit: 25,
    admin: { login: 'admin', firstName: 'Demo', lastName: 'Admin', email: 'admin@demo.invalid', language: 'en' },
  };
  const created = await licences.create(demo, { kind: 'operator', id: null, name: 'demo set-up', ip: null }).catch((error: unknown) => {
    if (error instanceof Problem && error.extensions.errors?.some((e) => e.field === 'code' && e.code === 'taken')) return null;
    throw error;
  });
  if (created === null) return false;
  const { licence, adminSetPasswordLink } = created;
  const operator = await createOperatorToken(db, 'demo');
  logger.info({ licence: licence.code, admin: 'admin' }, 'demo licence created');
  process.stdout.write(
    [
      '',
      'Gatehouse demo licence "demo" is ready.',
      `  Set the password of its admin "admin": ${adminSetPasswordLink}`,
      `  Operator token (shown once):           ${operator.token}`,
      '',
      '',
    ].join('\n'),
  );
  return true;
}
