import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { CompiledCatalog } from '../../core/catalog.ts';
import { isAssignableByAdmins } from '../../core/rights-configurations.ts';
import type { AppContext } from '../../platform/context.ts';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ensure, fieldError, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import * as field from '../../platform/http/schemas.ts';
import { fieldErrorsOf } from '../../platform/http/validation.ts';
import { sendPasswordLinks } from '../auth/password-links.ts';
import { listGroupsWithEntities } from '../entities/store.ts';
import { definitionOf, ensureGrantWithinCeiling, type CeilingCaller, type Holding } from '../users/ceiling.ts';
import type { UsersService } from '../users/service.ts';
import * as users from '../users/store.ts';
import { COLUMNS, neutraliseFormula, readUsersCsv, type Column, type CsvRecord, type CsvUser } from './csv.ts';
import * as store from './store.ts';

// CSV import and export of a licence's users. The import applies the rules of creating a user in the
// console (users/service.ts): the same field schemas, configurations an admin may grant, the
// privilege ceiling, unique logins, a mobile under two-factor, the seat limit under the licence's
// lock, a welcome e-mail through the outbox and one `user.create` audit event per user. It checks them
// for the whole file at once rather than user by user, so 10,000 rows take seconds, not minutes.

const EXPORT_PAGE = 500;

/** Who imports: the ceiling's view of them, and how the audit trail names them. */
export interface Importer {
  caller: CeilingCaller;
  audit: AuditActor;
}

export interface RowReport {
  line: number;
  login: string;
  outcome: 'create' | 'refused';
  errors: FieldError[];
}
export interface ImportReport {
  rows: RowReport[];
  summary: { create: number; refused: number };
}

/** A row's own fields, checked by the same schemas as POST /users. Empty optional cells are absent. */
const rowSchema = z.object({
  login: field.login,
  firstName: field.text(100),
  lastName: field.text(100),
  email: field.email,
  mobile: field.mobile.optional(),
  language: field.language,
  gender: field.gender.optional(),
});
type RowFields = z.infer<typeof rowSchema>;

function checkFields(user: CsvUser): { fields: RowFields | null; errors: FieldError[] } {
  const input = { ...user, mobile: user.mobile || undefined, gender: user.gender || undefined };
  const result = rowSchema.safeParse(input);
  if (result.success) return { fields: result.data, errors: [] };
  const issues = result.error.issues.map(({ code, path, message, ...params }) => ({ keyword: code, instancePath: `/${path.join('/')}`, message, params }));
  // One reason per cell is enough to fix it (a malformed mobile is also not a valid number).
  const errors = fieldErrorsOf(issues, 'body');
  return { fields: null, errors: errors.filter((error, index) => errors.findIndex((other) => other.field === error.field) === index) };
}

/** The licence's configurations, groups and entities, loaded once for the whole file. */
async function referenceOf(executor: Executor, licenceId: string) {
  const configurations = await store.configurationsOf(executor, licenceId);
  const groups = await listGroupsWithEntities(executor, licenceId);
  const byKey = new Map(configurations.map((row) => [row.key, row]));
  const byName = new Map(configurations.map((row) => [row.name.toLowerCase(), row]));
  const groupByName = new Map(groups.map((group) => [group.name, group]));
  const groupByLowerName = new Map(groups.map((group) => [group.name.toLowerCase(), group]));
  const ownGroupOfEntity = new Map(groups.filter((group) => group.singleEntity).flatMap((group) => group.entities.map((entity) => [entity.code, group] as const)));
  return {
    configuration: (value: string) => byKey.get(value) ?? byName.get(value.toLowerCase()) ?? null,
    group: (value: string) => groupByName.get(value) ?? groupByLowerName.get(value.toLowerCase()) ?? ownGroupOfEntity.get(value) ?? null,
  };
}

type Reference = Awaited<ReturnType<typeof referenceOf>>;
type LicenceRow = NonNullable<Awaited<ReturnType<typeof users.findLicence>>>;

interface Placement extends Holding {
  defaultEntityId: string;
}

/** Configuration, group and default entity of a row, as resolveAuthorizations checks them at creation. */
function placementOf(user: CsvUser, reference: Reference, licence: LicenceRow): { placement: Placement | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const configuration = reference.configuration(user.configuration);
  if (user.configuration === '') errors.push(fieldError('configuration', 'required', 'is required'));
  else if (configuration === null) errors.push(fieldError('configuration', 'not_found', `"${user.configuration}" is not a rights configuration of this licence`));
  else if (!isAssignableByAdmins(definitionOf(configuration))) errors.push(fieldError('configuration', 'not_assignable', 'can only be granted by the vendor'));

  const group = reference.group(user.entityGroup);
  let defaultEntityId: string | undefined;
  if (user.entityGroup === '') errors.push(fieldError('entityGroup', 'required', 'is required'));
  else if (group === null) errors.push(fieldError('entityGroup', 'not_found', `"${user.entityGroup}" is not an entity group of this licence`));
  else if (user.defaultEntity !== '') {
    defaultEntityId = group.entities.find((entity) => entity.code === user.defaultEntity)?.id;
    if (defaultEntityId === undefined) errors.push(fieldError('defaultEntity', 'not_in_group', `"${user.defaultEntity}" is not an entity of the group`));
  } else if (group.entities.length === 1) defaultEntityId = group.entities[0]?.id;
  else errors.push(fieldError('defaultEntity', 'required', 'is required when the group has several entities'));

  // As at creation: under two-factor, a user without a mobile could not sign in.
  if (licence.twoFactor && configuration?.kind !== 'internal' && user.mobile === '') {
    errors.push(fieldError('mobile', 'required_when_two_factor', 'is required while the licence has two-factor sign-in on'));
  }
  if (errors.length > 0 || configuration === null || group === null || defaultEntityId === undefined) return { placement: null, errors };
  return { placement: { configurationId: configuration.id, entityGroupId: group.id, defaultEntityId }, errors };
}

/** The ceiling's refusal of a grant, as the row's errors, named by the file's columns. */
async function ceilingErrors(grant: (holding: Holding) => Promise<void>, holding: Holding): Promise<FieldError[]> {
  try {
    await grant(holding);
    return [];
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== 'exceeds_own_rights') throw error;
    return (error.extensions.errors ?? []).map((e) => ({ ...e, field: e.field === 'configurationId' ? 'configuration' : 'entityGroup' }));
  }
}

interface Assessed extends RowReport {
  fields: RowFields | null;
  placement: Placement | null;
}

export function createUserImportService(ctx: AppContext, usersService: UsersService) {
  const { ceilings } = usersService;

  /**
   * Every row against every rule, in file order: its fields, its placement, the ceiling, logins
   * (in the file and in the licence), then seats for the rows still valid, the first ones first.
   */
  async function assess(executor: Executor, licenceId: string, records: CsvRecord[], importer: Importer, options: { lock: boolean; catalog: CompiledCatalog | null }): Promise<Assessed[]> {
    const { lock, catalog } = options;
    const licence = lock ? await users.lockLicence(executor, licenceId) : await users.findLicence(executor, licenceId);
    ensure(licence !== null, notFound('licence'));
    const reference = await referenceOf(executor, licenceId);
    const ceiling = await ceilings.ceilingOf(executor, licence, importer.caller, catalog);
    const reached = new Map<string, Promise<FieldError[]>>();
    const withinCeiling = (holding: Holding) => {
      const key = `${holding.configurationId}/${holding.entityGroupId}`;
      if (!reached.has(key)) reached.set(key, ceilingErrors((held) => ensureGrantWithinCeiling(ceiling, held), holding));
      return reached.get(key)!;
    };
    const taken = await store.takenLogins(executor, licenceId, [...new Set(records.map((record) => record.user.login.toLowerCase()))]);
    const firstLine = new Map<string, number>();

    const assessed: Assessed[] = [];
    for (const { line, user } of records) {
      const { fields, errors } = checkFields(user);
      const { placement, errors: placementErrors } = placementOf(user, reference, licence);
      errors.push(...placementErrors);
      if (placement !== null) errors.push(...(await withinCeiling(placement)));
      const login = user.login.toLowerCase();
      const seen = firstLine.get(login);
      if (login !== '' && seen !== undefined) errors.push(fieldError('login', 'duplicate_in_file', `appears already on line ${seen}`));
      else if (taken.has(login)) errors.push(fieldError('login', 'login_taken', `"${user.login}" is taken in this licence`));
      if (login !== '' && seen === undefined) firstLine.set(login, line);
      assessed.push({ line, login: user.login, outcome: errors.length === 0 ? 'create' : 'refused', errors, fields, placement });
    }

    // Seats: active users that are not vendor staff; the rows the file can hold are its first valid ones.
    let free = licence.seatLimit - (await users.countSeatsUsed(executor, licenceId));
    for (const row of assessed) {
      if (row.outcome !== 'create') continue;
      if (free > 0) free -= 1;
      else {
        row.outcome = 'refused';
        row.errors.push(fieldError('row', 'seat_limit_reached', `is beyond the seat limit of ${licence.seatLimit}`));
      }
    }
    return assessed;
  }

  const reportOf = (assessed: Assessed[]): ImportReport => {
    const rows = assessed.map(({ line, login, outcome, errors }) => ({ line, login, outcome, errors }));
    const create = rows.filter((row) => row.outcome === 'create').length;
    return { rows, summary: { create, refused: rows.length - create } };
  };

  /** Creates the assessed users: rows, audit events, welcome links and e-mails, in the caller's transaction. */
  async function createAll(executor: Executor, licenceId: string, rows: Assessed[], importer: Importer) {
    const licence = await users.findLicence(executor, licenceId);
    ensure(licence !== null, notFound('licence'));
    const now = ctx.now();
    const created = rows.map(({ fields, placement }) => ({ id: randomUUID(), ...fields!, ...placement! }));
    await store.insertUsers(
      executor,
      created.map((user) => ({
        licenceId,
        ...user,
        mobile: user.mobile ?? null,
        gender: user.gender ?? null,
        status: 'active' as const,
        internal: false,
        protected: false,
        createdAt: now,
        updatedAt: now,
      })),
    );
    // One event per user, as the console's creation writes it: the trail reads the same either way.
    for (const user of created) {
      const { id, login, ...rest } = user;
      await recordAudit(executor, importer.audit, { licenceId, action: 'user.create', target: { kind: 'user', id, name: login }, after: { login, ...rest, mobile: rest.mobile ?? null, gender: rest.gender ?? null, status: 'active' } }, now);
    }
    await sendPasswordLinks(executor, { licenceId, licenceName: licence.name, publicUrl: ctx.config.publicUrl, purpose: 'welcome', now }, created);
    return created.length;
  }

  return {
    /** What the file would do, row by row; nothing changes. */
    async dryRun(licenceId: string, body: Buffer, importer: Importer): Promise<ImportReport> {
      const records = readUsersCsv(body);
      const catalog = await ceilings.catalogFor(importer.caller);
      return reportOf(await assess(ctx.db, licenceId, records, importer, { lock: false, catalog }));
    },

    /**
     * All the file or nothing: when any row is refused, nothing is created and the answer is the
     * dry run's report (422), so the admin fixes the file and sends it again whole.
     */
    async apply(licenceId: string, body: Buffer, importer: Importer): Promise<ImportReport & { created: number }> {
      const records = readUsersCsv(body);
      // Read before the transaction: it may query the database, which PGlite serves on one connection.
      const catalog = await ceilings.catalogFor(importer.caller);
      try {
        const answer = await ctx.transaction(async (tx, announce) => {
          const assessed = await assess(tx, licenceId, records, importer, { lock: true, catalog });
          const report = reportOf(assessed);
          if (report.summary.refused > 0) {
            throw new Problem('validation_failed', { en: `${report.summary.refused} of ${assessed.length} rows are refused: nothing was imported`, fr: `${report.summary.refused} lignes sur ${assessed.length} sont refusées : rien n'a été importé` }, { ...report });
          }
          const created = await createAll(tx, licenceId, assessed, importer);
          await announce({ kind: 'licence', licenceId });
          return { ...report, created };
        });
        ctx.deliverSoon();
        return answer;
      } catch (error) {
        // Someone created one of these logins meanwhile: the unique index is the truth.
        if (isUniqueViolation(error, 'users_login_key')) throw new Problem('login_taken', { en: 'A login of the file was taken meanwhile: run the dry run again', fr: 'Un identifiant du fichier a été pris entre-temps : relancez la vérification' });
        throw error;
      }
    },

    /**
     * The users of a list (a tab and a search) as CSV, page by page of the list's keyset: memory stays
     * flat whatever the licence's size. The protected and internal accounts (support, vendor staff)
     * are the vendor's: never exported.
     */
    exportCsv(licenceId: string, filter: { status: 'active' | 'deactivated'; q?: string }): Readable {
      async function* records(): AsyncGenerator<Record<Column, string | null>> {
        let after: [string, string] | null = null;
        for (;;) {
          const rows = await users.listUserViews(ctx.db, licenceId, { ...filter, after, limit: EXPORT_PAGE });
          const page = rows.slice(0, EXPORT_PAGE);
          for (const { user, configuration, entityGroup, defaultEntity } of page) {
            if (user.protected || user.internal) continue;
            yield {
              login: user.login,
              firstName: user.firstName,
              lastName: user.lastName,
              email: user.email,
              mobile: user.mobile,
              language: user.language,
              gender: user.gender,
              configuration: configuration.key,
              entityGroup: entityGroup.name,
              defaultEntity: defaultEntity.code,
            };
          }
          const last = page.at(-1);
          if (rows.length <= EXPORT_PAGE || last === undefined) return;
          after = [last.user.login.toLowerCase(), last.user.id];
        }
      }
      // A BOM, so spreadsheet programs read the accents as UTF-8; formulas neutralised (./csv.ts).
      const csv = stringify({ header: true, columns: [...COLUMNS], bom: true, cast: { string: neutraliseFormula } });
      return pipeline(Readable.from(records()), csv, (error) => {
        if (error) ctx.logger.error({ err: error }, 'users export failed');
      });
    },
  };
}

export type UserImportService = ReturnType<typeof createUserImportService>;
