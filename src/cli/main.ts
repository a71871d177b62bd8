import { parseArgs } from 'node:util';
import { seedDemo } from '../features/licences/demo.ts';
import { COMMAND_LINE, createOperatorToken, listOperatorTokens, revokeOperatorToken } from '../features/operator/service.ts';
import { ConfigError, loadConfig, type Config } from '../platform/config.ts';
import { DatabaseUnreachableError, openDatabase, type DatabaseHandle } from '../platform/db/client.ts';
import { migrate } from '../platform/db/migrate.ts';
import { OPERATOR_SCOPES, type OperatorScope } from '../platform/http/actor.ts';
import { Problem } from '../platform/http/problems.ts';
import { createLogger } from '../platform/logger.ts';
import { desc } from 'drizzle-orm';
import { ensureSigningKeys, loadSigningKeys, RETIRED_KEY_SECONDS, rotateSigningKeys } from '../features/oidc/keys.ts';
import { announceChange } from '../platform/changes.ts';
import { signingKeys } from '../platform/db/schema.ts';
import { loadSealer, UnsealError } from '../platform/encryption.ts';
import { rotateSecretKey } from '../features/backup/secret-key-rotation.ts';
import { exportBackup } from '../features/backup/export.ts';
import { importBackup, readLines } from '../features/backup/import.ts';
import { terminalProgress } from '../features/backup/progress.ts';
import { BackupError } from '../features/backup/tables.ts';
import { catalogCommand, licenceCommand } from './operator-commands.ts';

const USAGE = `Usage: gatehouse <command>

Commands:
  serve                               apply migrations and serve the API and the console
  migrate                             apply database migrations and exit
  operator-token create --name NAME [--scope SCOPE]...
                                      create an operator token (printed once); scopes: operator
                                      (every right, the default), decisions:read, users:read
  operator-token list                 list operator tokens: name, creation, last use or revocation
  operator-token revoke ID            revoke an operator token at once
  licence create --code CODE --name NAME --seats N --admin-login LOGIN --admin-email EMAIL
                 --admin-first-name NAME --admin-last-name NAME [--admin-language en|fr]
                                      create a licence with its first admin (welcome e-mail)
  signing-key rotate                  sign tokens with a new key pair from now on; the current keys stay
                                      published until the tokens they signed have expired
  signing-key list                    list the keys that sign tokens: id, algorithm, creation, retirement
  secret-key rotate                   seal every secret kept at rest again under the current key of
                                      GATEHOUSE_SECRET_KEYS (in batches; run again to resume)
  export [--licence CODE] > FILE      write the installation (or one licence) as JSON lines, for a
                                      backup or a move to PostgreSQL; sealed values stay sealed
  import [--licence CODE] < FILE      read an export into a database without what it brings (one
                                      transaction per licence); needs the same secret key
  catalog show                        print the permission catalog in force
  catalog release FILE.json           release a new catalog

Configuration comes from environment variables: see the README.`;

function operatorScopes(values: string[]): OperatorScope[] {
  const unknown = values.filter((value) => !(OPERATOR_SCOPES as readonly string[]).includes(value));
  if (unknown.length > 0) throw new ConfigError(`operator-token create: unknown scope ${unknown.join(', ')} (known: ${OPERATOR_SCOPES.join(', ')})`);
  return values as OperatorScope[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function withDatabase<T>(config: Config, work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.database);
  try {
    await migrate(database);
    return await work(database);
  } finally {
    await database.close();
  }
}

async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.database);
  const applied = await migrate(database);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  if (config.deliveryToLog) {
    logger.warn('GATEHOUSE_DELIVERY=log: e-mails and SMS without their gateway are not sent but written to the log, their text (links, codes, secrets) at debug level only');
  }
  // Only when run from the TypeScript sources (development, tests): the compiled server (`npm start`)
  // serves the console built ahead by `npm run build`, and needs no development tool to start.
  if (config.buildConsole && import.meta.url.endsWith('.ts')) await (await import('./console-build.ts')).ensureConsoleBuilt(logger);
  // Loaded only to serve: the OpenID Provider's library announces on load that it prefers Node 22,
  // which the other commands (and their one-line errors) need not print.
  const { buildApp } = await import('../app.ts');
  const app = await buildApp({ config, database, logger });
  if (config.demo) await seedDemo(database.db, app.services.licences, logger);
  app.outbox.start();
  await app.server.listen({ port: config.port, host: config.host });
  logger.info({ url: config.publicUrl, database: database.kind }, 'Gatehouse is serving');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    // Fastify stops accepting connections and waits for requests in flight before resolving.
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** `gatehouse export [--licence CODE]`: the installation, or one licence, as JSON lines on stdout. */
async function exportCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { licence: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new ConfigError('usage: gatehouse export [--licence CODE] > backup.jsonl');
  if (process.stdout.isTTY) throw new ConfigError('export writes the backup on its standard output: gatehouse export > backup.jsonl');
  const summary = await withDatabase(config, (database) =>
    exportBackup(database, process.stdout, { sealer: loadSealer(config), ...(values.licence === undefined ? {} : { licenceCode: values.licence }), progress: (totals) => terminalProgress(process.stderr, totals, 'export') }),
  );
  console.error(`exported ${summary.rows} rows${values.licence === undefined ? ', platform tables and' : ':'} ${summary.licences} licence${summary.licences === 1 ? '' : 's'}`);
}

/** `gatehouse import [--licence CODE]`: reads an export on stdin into a database without what it brings. */
async function importCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { licence: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new ConfigError('usage: gatehouse import [--licence CODE] < backup.jsonl');
  if (process.stdin.isTTY) throw new ConfigError('import reads the backup on its standard input: gatehouse import < backup.jsonl');
  const sealer = loadSealer(config);
  const summary = await withDatabase(config, (database) =>
    importBackup(database, readLines(process.stdin), { sealer, ...(values.licence === undefined ? {} : { licenceCode: values.licence }), progress: (totals) => terminalProgress(process.stderr, totals, 'import') }),
  );
  const what = [summary.platform ? 'the platform tables' : null, summary.licences.length > 0 ? `licences ${summary.licences.join(', ')}` : null].filter((part) => part !== null).join(' and ');
  console.log(`imported ${summary.rows} rows: ${what || 'nothing'}`);
}

/** `gatehouse secret-key rotate`: seals every sealed value again under the current key of the ring. */
async function secretKeyCommand(config: Config, args: string[]): Promise<void> {
  if (args.length !== 1 || args[0] !== 'rotate') throw new ConfigError('usage: gatehouse secret-key rotate');
  const sealer = loadSealer(config);
  const report = await withDatabase(config, (database) => rotateSecretKey(database.db, sealer));
  let unreadable = 0;
  for (const [kind, count] of Object.entries(report)) {
    console.log(`${kind}: ${count.resealed} sealed again, ${count.current} already under the current key, ${count.unreadable} unreadable, ${count.changedMeanwhile} changed meanwhile`);
    unreadable += count.unreadable;
  }
  if (unreadable > 0) throw new ConfigError(`${unreadable} sealed values open with no key of the ring and were left as they were: add the key that sealed them to GATEHOUSE_SECRET_KEYS (after the current one) and run again`);
  console.log(`every sealed value is under the current key ${sealer.currentKeyId}`);
}

/** `gatehouse signing-key rotate | list`: the keys that sign ID tokens, access tokens and logout tokens. */
async function signingKeyCommand(config: Config, args: string[]): Promise<void> {
  const [action, ...extra] = args;
  if (extra.length > 0 || (action !== 'rotate' && action !== 'list')) throw new ConfigError('usage: gatehouse signing-key rotate | list');
  const sealer = loadSealer(config);
  await withDatabase(config, async (database) => {
    if (action === 'list') {
      for (const key of await database.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt))) {
        console.log(`${key.kid}  ${key.alg}  created ${key.createdAt.toISOString()}  ${key.retiredAt === null ? 'signing' : `retired ${key.retiredAt.toISOString()}`}`);
      }
      return;
    }
    const now = new Date();
    // Opens the keys in force first: a wrong key ring stops here, before a new pair is sealed with it.
    await loadSigningKeys(database.db, sealer, now);
    await ensureSigningKeys(database.db, sealer, now);
    const rotated = await database.db.transaction(async (tx) => {
      const result = await rotateSigningKeys(tx, sealer, now);
      // Every serving process hears it and signs with the new keys from its next token.
      await announceChange(tx, { kind: 'signing-keys' });
      return result;
    });
    console.log(`signing with ${rotated.added.join(', ')}; retired ${rotated.retired.join(', ')} (published ${RETIRED_KEY_SECONDS / 3600} more hours)`);
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      await withDatabase(config, async () => undefined);
      console.log('migrations applied');
      return;
    case 'operator-token': {
      const { positionals, values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } }, allowPositionals: true });
      const [action, id] = positionals;
      if (action === 'create' && values.name) {
        const name = values.name;
        const scopes = operatorScopes(values.scope ?? ['operator']);
        const created = await withDatabase(config, (database) => createOperatorToken(database.db, name, COMMAND_LINE, scopes));
        console.log(created.token);
        return;
      }
      if (action === 'list' && positionals.length === 1) {
        const tokens = await withDatabase(config, (database) => listOperatorTokens(database.db));
        for (const token of tokens) {
          const state = token.revokedAt === null ? `last used ${token.lastUsedAt?.toISOString() ?? 'never'}` : `revoked ${token.revokedAt.toISOString()}`;
          console.log(`${token.id}  ${token.name}  [${token.scopes.join(' ')}]  created ${token.createdAt.toISOString()}  ${state}`);
        }
        return;
      }
      if (action === 'revoke' && id !== undefined && positionals.length === 2) {
        if (!UUID.test(id)) throw new ConfigError(`operator-token revoke: "${id}" is not a token id (see operator-token list)`);
        const revoked = await withDatabase(config, (database) => revokeOperatorToken({ db: database.db, now: () => new Date() }, id, COMMAND_LINE));
        console.log(`revoked ${revoked.name} (${revoked.id})`);
        return;
      }
      throw new ConfigError('usage: gatehouse operator-token create --name NAME [--scope SCOPE]... | list | revoke ID');
    }
    case 'signing-key':
      return signingKeyCommand(config, rest);
    case 'secret-key':
      return secretKeyCommand(config, rest);
    case 'export':
      return exportCommand(config, rest);
    case 'import':
      return importCommand(config, rest);
    case 'licence':
      return licenceCommand(config, rest);
    case 'catalog':
      return catalogCommand(config, rest);
    default:
      console.log(USAGE);
      if (command !== undefined && command !== 'help' && command !== '--help') process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Configuration and reachability problems are the operator's to fix: one line, no stack.
  if (error instanceof ConfigError || error instanceof DatabaseUnreachableError || error instanceof BackupError) {
    console.error(`gatehouse: ${error.message}`);
  } else if (error instanceof UnsealError) {
    console.error('gatehouse: a sealed value (authenticator secret, Transfer Box item or signing key) opens with no key of the ring: set GATEHOUSE_SECRET_KEYS to the key that sealed it (current key first), or on the embedded database keep its data directory\'s secret.key');
  } else if (error instanceof Problem) {
    // The same answer the API would give, as a line a person reads.
    console.error(`gatehouse: ${error.detail ?? error.message}`);
  } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(`gatehouse: ${error.message}`);
  } else {
    console.error('gatehouse: failed to start:', error);
  }
  process.exit(1);
});
