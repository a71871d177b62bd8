import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorApplicationRoutes } from './features/applications/routes.ts';
import { createApplicationsService } from './features/applications/service.ts';
import { configurationRoutes, operatorConfigurationRoutes } from './features/configurations/routes.ts';
import { createConfigurationsService } from './features/configurations/service.ts';
import { operatorCatalogRoutes } from './features/catalog/routes.ts';
import { createCatalogService, createCatalogSource, ensureCatalog } from './features/catalog/service.ts';
import { authorizationRoutes, operatorAuthorizationRoutes } from './features/authorization/routes.ts';
import { createAuthorizationService } from './features/authorization/service.ts';
import { SnapshotCache } from './features/authorization/snapshots.ts';
import { accessRoutes, operatorSupportRoutes } from './features/accesses/routes.ts';
import { createAccessesService } from './features/accesses/service.ts';
import { auditRoutes, operatorAuditRoutes } from './features/audit/routes.ts';
import { createAuditService } from './features/audit/service.ts';
import { apiAccountRoutes, operatorApiAccountRoutes } from './features/api-accounts/routes.ts';
import { createApiAccountsService } from './features/api-accounts/service.ts';
import { authRoutes } from './features/auth/routes.ts';
import { oidcRoutes } from './features/oidc/routes.ts';
import { createOidcService, type OidcService } from './features/oidc/service.ts';
import { createAuthService } from './features/auth/service.ts';
import { entityGroupRoutes, operatorEntityRoutes } from './features/entities/routes.ts';
import { createEntitiesService } from './features/entities/service.ts';
import { licenceRoutes, operatorLicenceRoutes } from './features/licences/routes.ts';
import { createLicencesService } from './features/licences/service.ts';
import { passwordRenewalRoutes } from './features/password-renewal/routes.ts';
import { createPasswordRenewalService } from './features/password-renewal/service.ts';
import { operatorTokenRoutes } from './features/operator/routes.ts';
import { operatorSessionRoutes } from './features/operator/session-routes.ts';
import { operatorTransferBoxRoutes, transferBoxRoutes } from './features/transfer-box/routes.ts';
import { createTransferBoxService } from './features/transfer-box/service.ts';
import { operatorUserRoutes } from './features/users/operator-routes.ts';
import { userRoutes } from './features/users/routes.ts';
import { userImportRoutes } from './features/user-import/routes.ts';
import { createUserImportService } from './features/user-import/service.ts';
import { createUsersService } from './features/users/service.ts';
import { provisioningTokenRoutes } from './features/provisioning/routes.ts';
import { createProvisioningService } from './features/provisioning/service.ts';
import { SCIM_ERROR_FORMAT, scimRoutes } from './features/scim/routes.ts';
import { createScimService } from './features/scim/service.ts';
import { passkeyRoutes } from './features/passkeys/routes.ts';
import { createPasskeysService } from './features/passkeys/service.ts';
import type { Config } from './platform/config.ts';
import { announceChange, ChangeFeed, type Change } from './platform/changes.ts';
import type { AppContext } from './platform/context.ts';
import type { DatabaseHandle } from './platform/db/client.ts';
import { loadSealer, loadSecretKey } from './platform/encryption.ts';
import { migrationsApplied } from './platform/db/migrate.ts';
import { registerAuthentication, type CheckedCredential } from './platform/http/authenticate.ts';
import { CredentialCache } from './platform/http/credential-cache.ts';
import { createHttpServer, type HttpServer } from './platform/http/server.ts';
import type { Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { OutboxWorker } from './platform/messaging/outbox.ts';
import { createPurge, type Purge } from './platform/purge.ts';
import { logTransport, smsWebhookTransport, smtpTransport, type Channel, type MessageTransport } from './platform/messaging/transports.ts';

// The composition root: the only file that knows every feature. It builds the server from its
// dependencies, so tests build one against an in-memory database in milliseconds.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const CONSOLE_DIR = path.join(ROOT, 'web', 'dist');
const PURGE_INTERVAL_MS = 5 * 60 * 1000;

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  now?: () => Date;
  /** Where messages go; by default SMTP and the SMS webhook when configured, else the log. */
  transports?: Partial<Record<Channel, MessageTransport>>;
  /** Serve the console from web/dist when it is built (off in API tests). */
  serveConsole?: boolean;
}

export interface App {
  server: HttpServer;
  context: AppContext;
  outbox: OutboxWorker;
  services: ReturnType<typeof createServices>;
  /** The OpenID Provider: applications' sign-in and tokens. */
  oidc: OidcService;
  /** Deletes expired sessions, links, challenges, tokens, delivered messages and Transfer Box items. */
  purge: Purge;
  close(): Promise<void>;
}

function createServices(context: AppContext, catalogSource: ReturnType<typeof createCatalogSource>, changes: ChangeFeed, credentials: CredentialCache<CheckedCredential>) {
  const users = createUsersService(context);
  const entities = createEntitiesService(context);
  const configurations = createConfigurationsService(context);
  const licences = createLicencesService(context, { users, entities, configurations });
  // One key ring seals every secret kept at rest: authenticator secrets and Transfer Box items.
  const sealer = loadSealer(context.config);
  const auth = createAuthService(context, { secrets: sealer });
  const catalog = createCatalogService(context, catalogSource);
  const snapshots = new SnapshotCache(context);
  changes.subscribe({
    onChange: (change) => {
      if (change.kind === 'catalog') catalogSource.forget();
      // A change to a user may have ended their sessions or tokens: check them again.
      if (change.kind === 'user') credentials.forgetUser(change.licenceId, change.userId);
      if (change.kind === 'licence') credentials.forgetLicence(change.licenceId);
      snapshots.apply(change);
    },
    onMissed: () => {
      catalogSource.forget();
      credentials.clear();
      snapshots.clear();
    },
  });
  const authorization = createAuthorizationService(context, snapshots);
  const accesses = createAccessesService(context);
  const audit = createAuditService(context);
  const transferBox = createTransferBoxService(context, { sealer });
  const apiAccounts = createApiAccountsService(context, transferBox, users.ceilings);
  return { users, entities, configurations, licences, auth, catalog, authorization, accesses, audit, transferBox, apiAccounts };
}

function defaultTransports(config: Config, logger: Logger): Record<'email' | 'sms', MessageTransport> {
  const log = logTransport(logger);
  return {
    email: config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : log,
    sms: config.smsWebhookUrl ? smsWebhookTransport(config.smsWebhookUrl) : log,
  };
}

export async function buildApp(dependencies: AppDependencies): Promise<App> {
  const { config, database, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  await ensureCatalog(database.db);

  // Back-channel logout notices are signed and sent by the OpenID Provider, built further down.
  let oidc: OidcService | null = null;
  const backchannel: MessageTransport = {
    send: (message) => (oidc === null ? Promise.reject(new Error('the OpenID Provider is not started yet')) : oidc.backchannelTransport.send(message)),
  };
  const transports: Partial<Record<Channel, MessageTransport>> = { ...defaultTransports(config, logger), 'backchannel-logout': backchannel, ...dependencies.transports };
  const outbox = new OutboxWorker(database.db, transports, logger, { markWhileSending: database.kind === 'postgres' });
  const changes = new ChangeFeed(database);
  const catalogSource = createCatalogSource(database.db);
  const context: AppContext = {
    config,
    database,
    db: database.db,
    logger,
    now,
    catalog: catalogSource,
    deliverSoon: () => outbox.nudge(),
    async transaction(work) {
      const announced: Change[] = [];
      const result = await database.db.transaction((tx) =>
        work(tx, async (change) => {
          await announceChange(tx, change);
          announced.push(change);
        }),
      );
      // This process's own snapshots follow at once; the others hear the NOTIFY.
      announced.forEach((change) => changes.deliver(change));
      return result;
    },
  };
  const credentials = new CredentialCache<CheckedCredential>();
  const services = createServices(context, catalogSource, changes, credentials);
  const secretKey = loadSecretKey(config);
  const provider = await createOidcService(context, { sealer: loadSealer(config), secretKey, endConsoleSession: (token) => services.auth.signOut(token) });
  oidc = provider;
  changes.subscribe({
    onChange: (change) => {
      if (change.kind === 'application') provider.clients.forgetClient(change.clientId);
      if (change.kind === 'user') provider.clients.forgetApiAccount(change.licenceId, change.userId);
      if (change.kind === 'licence') provider.clients.forgetLicence(change.licenceId);
      if (change.kind === 'signing-keys') provider.reloadKeys().catch((error: unknown) => logger.error({ err: error }, 'signing keys not reloaded'));
    },
    onMissed: () => {
      provider.clients.clear();
      provider.reloadKeys().catch((error: unknown) => logger.error({ err: error }, 'signing keys not reloaded'));
    },
  });
  await changes.start();
  const metrics = createMetrics();
  const consoleDir = dependencies.serveConsole !== false && existsSync(path.join(CONSOLE_DIR, 'index.html')) ? CONSOLE_DIR : null;
  const server = await createHttpServer({ logger, metrics, publicUrl: config.publicUrl, version: VERSION, consoleDir, trustProxy: config.trustProxy, ownErrorFormats: [SCIM_ERROR_FORMAT] });

  registerAuthentication(server, {
    db: database.db,
    credentials,
    lifetime: { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours },
    bootstrapOperatorToken: config.bootstrapOperatorToken,
    authorizer: services.authorization.authorizer,
    accessTokens: provider,
    // Read through the context, so a test that moves the context's clock moves session expiry too.
    now: () => context.now(),
  });

  server.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const ready = await migrationsApplied(database).catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });
  server.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const { users, entities, configurations, licences, auth, catalog, authorization, accesses, audit, transferBox, apiAccounts } = services;
  const passwordRenewal = createPasswordRenewalService(context);
  // Secure cookies everywhere but plain-http localhost, where browsers would refuse them.
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(config.publicUrl);
  await server.register(oidcRoutes(context, provider));
  await server.register(
    async (api) => {
      await api.register(authRoutes(auth, { secureCookies, onSignOut: (cookies) => provider.endBrowserSession(cookies) }));
      await api.register(passkeyRoutes(createPasskeysService(context, { openSession: auth.openSession, stepUp: auth.stepUp, ceilings: users.ceilings }), { secureCookies }));
      await api.register(userRoutes(users, auth.stepUp));
      await api.register(userImportRoutes(createUserImportService(context, users), users));
      await api.register(licenceRoutes(licences, auth.stepUp));
      await api.register(passwordRenewalRoutes(passwordRenewal));
      await api.register(entityGroupRoutes(entities, users));
      await api.register(configurationRoutes(configurations, licences, users));
      await api.register(authorizationRoutes(authorization));
      await api.register(accessRoutes(accesses));
      await api.register(auditRoutes(audit));
      await api.register(transferBoxRoutes(transferBox));
      await api.register(apiAccountRoutes(apiAccounts, users));
      await api.register(provisioningTokenRoutes(createProvisioningService(context, { users, configurations, entities, licences })));
    },
    { prefix: '/api/v1' },
  );
  // SCIM 2.0 for licences' identity providers: its own media type and error format (features/scim).
  await server.register(scimRoutes(createScimService(context, users), authorization.authorizer), { prefix: '/scim/v2' });
  await server.register(
    async (operator) => {
      await operator.register(operatorLicenceRoutes(licences));
      await operator.register(operatorEntityRoutes(entities, licences));
      await operator.register(operatorConfigurationRoutes(configurations, licences));
      await operator.register(operatorUserRoutes(users, licences));
      await operator.register(operatorCatalogRoutes(catalog));
      await operator.register(operatorAuthorizationRoutes(authorization));
      await operator.register(operatorSupportRoutes(accesses, licences));
      await operator.register(operatorAuditRoutes(audit, licences));
      await operator.register(operatorTransferBoxRoutes(transferBox, licences));
      await operator.register(operatorApiAccountRoutes(apiAccounts, licences));
      await operator.register(operatorTokenRoutes(context));
      await operator.register(operatorApplicationRoutes(createApplicationsService(context)));
      await operator.register(operatorSessionRoutes(context, { lifetime: { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours }, secureCookies }));
    },
    { prefix: '/operator/v1' },
  );

  // Every process schedules the purge of expired rows; an advisory lock lets one run it at a time.
  const purge = createPurge({ db: database.db, metrics, logger, now: () => context.now(), sessionIdleMinutes: config.sessionIdleMinutes });
  const purgeTimer = setInterval(() => {
    purge.run().catch((error: unknown) => logger.error({ err: error }, 'purge of expired rows failed'));
  }, PURGE_INTERVAL_MS);
  purgeTimer.unref();
  // The same for password renewal reminders: every process schedules them, one sends them at a time.
  const renewalTimer = setInterval(() => {
    passwordRenewal.sendReminders().catch((error: unknown) => logger.error({ err: error }, 'password renewal reminders failed'));
  }, PURGE_INTERVAL_MS);
  renewalTimer.unref();

  return {
    server,
    context,
    outbox,
    services,
    oidc: provider,
    purge,
    async close() {
      clearInterval(purgeTimer);
      clearInterval(renewalTimer);
      await server.close();
      await outbox.stop();
      await changes.stop();
    },
  };
}
