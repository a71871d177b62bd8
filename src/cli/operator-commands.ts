import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildApp, type App } from '../app.ts';
import type { Catalog } from '../core/catalog.ts';
import type { AuditActor } from '../platform/audit.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/client.ts';
import { migrate } from '../platform/db/migrate.ts';
import { createLogger } from '../platform/logger.ts';

// The operators' everyday set-up from a terminal: the same use cases as /operator/v1, recorded in
// the audit trail as the CLI's.

const CLI_ACTOR: AuditActor = { kind: 'operator', id: null, name: 'gatehouse CLI', ip: null };

async function withApp<T>(config: Config, work: (app: App) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.database);
  try {
    await migrate(database);
    const app = await buildApp({ config, database, logger: createLogger(config.logLevel), serveConsole: false });
    try {
      const result = await work(app);
      // Messages the command queued (a welcome e-mail) go out before the process ends.
      await app.outbox.deliverDue();
      return result;
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

export async function licenceCommand(config: Config, args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      seats: { type: 'string' },
      'admin-login': { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-first-name': { type: 'string' },
      'admin-last-name': { type: 'string' },
      'admin-language': { type: 'string', default: 'en' },
    },
  });
  const usage = 'usage: gatehouse licence create --code CODE --name NAME --seats N --admin-login LOGIN --admin-email EMAIL --admin-first-name NAME --admin-last-name NAME [--admin-language en|fr]';
  const required = ['code', 'name', 'seats', 'admin-login', 'admin-email', 'admin-first-name', 'admin-last-name'] as const;
  if (positionals[0] !== 'create' || required.some((option) => !values[option])) throw new ConfigError(usage);
  const created = await withApp(config, (app) =>
    app.services.licences.create(
      {
        code: values.code!,
        name: values.name!,
        seatLimit: Number(values.seats),
        admin: {
          login: values['admin-login']!,
          email: values['admin-email']!,
          firstName: values['admin-first-name']!,
          lastName: values['admin-last-name']!,
          language: values['admin-language'] ?? 'en',
        },
      },
      CLI_ACTOR,
    ),
  );
  console.log(`licence ${created.licence.code} created; ${created.admin.login} was e-mailed a link to set a password`);
}

export async function catalogCommand(config: Config, args: string[]): Promise<void> {
  const [action, file] = args;
  if (action === 'show') {
    const catalog = await withApp(config, (app) => app.services.catalog.current());
    console.log(JSON.stringify(catalog.source, null, 2));
    return;
  }
  if (action !== 'release' || !file) throw new ConfigError('usage: gatehouse catalog show | gatehouse catalog release FILE.json');
  let catalog: Catalog;
  try {
    catalog = JSON.parse(readFileSync(file, 'utf8')) as Catalog;
  } catch (error) {
    throw new ConfigError(`cannot read a catalog from ${file}: ${(error as Error).message}`);
  }
  const released = await withApp(config, (app) => app.services.catalog.release(catalog, CLI_ACTOR));
  console.log(`catalog released: ${released.source.categories.length} categories, ${released.steps.length} steps`);
}
