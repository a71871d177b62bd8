import { randomUUID } from 'node:crypto';
import { applicationOf, expandPermissionKeys, type CompiledCatalog } from '../../core/catalog.ts';
import {
  isAssignableByAdmins,
  STANDARD_CONFIGURATIONS,
  stepsOfConfiguration,
  type ConfigurationDefinition,
} from '../../core/rights-configurations.ts';
import type { AppContext } from '../../platform/context.ts';
import { changedFields, recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ensure, fieldError, invalidField, notFound, Problem } from '../../platform/http/problems.ts';
import * as store from './store.ts';

// Rights configurations of a licence. The standard and internal ones are created with the licence
// and follow the catalog's tags; custom ones are made by operators and frozen to the steps they list.

export function definitionOf(row: store.ConfigurationRow): ConfigurationDefinition {
  return row.kind === 'custom' ? { kind: 'custom', steps: row.steps } : { kind: row.kind, key: row.key };
}

/**
 * `mayOffer`: whether the caller may grant this configuration at all (the privilege ceiling); the
 * operator's lists and answers leave it out, for the vendor grants any.
 */
function presentConfiguration(row: store.ConfigurationRow, catalog: CompiledCatalog, subscribed: ReadonlySet<string>, mayOffer: (definition: ConfigurationDefinition) => boolean = () => true) {
  const steps = stepsOfConfiguration(definitionOf(row), catalog);
  const applications = [...new Set(steps.map((step) => applicationOf(catalog, step)).filter((app): app is string => app !== null && subscribed.has(app)))];
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    kind: row.kind,
    assignable: isAssignableByAdmins(definitionOf(row)) && mayOffer(definitionOf(row)),
    applications,
    ...(row.kind === 'custom' ? { steps: row.steps } : {}),
  };
}

export function createConfigurationsService(ctx: AppContext) {
  /** Expands keys of any level to steps; unknown keys are named one by one. */
  const freeze = async (permissions: string[]) => {
    const catalog = await ctx.catalog.current();
    const { steps, unknown } = expandPermissionKeys(catalog, permissions);
    const errors = permissions.flatMap((key, index) => (unknown.includes(key) ? [fieldError(`permissions.${index}`, 'unknown_permission', `"${key}" is not in the catalog`)] : []));
    ensure(errors.length === 0, new Problem('validation_failed', { en: 'Some permissions are not in the catalog', fr: 'Des permissions ne sont pas dans le catalogue' }, { errors }));
    return steps;
  };

  const nameTaken = (error: unknown, name: string) =>
    isUniqueViolation(error, 'rights_configurations_name_key') || isUniqueViolation(error, 'rights_configurations_licence_id_key_key')
      ? invalidField('name', 'taken', { en: `a configuration named "${name}" exists already`, fr: `une configuration nommée « ${name} » existe déjà` })
      : error;

  return {
    async createStandardInTransaction(executor: Executor, licenceId: string): Promise<Map<string, string>> {
      const now = ctx.now();
      const rows = STANDARD_CONFIGURATIONS.map((configuration) => ({
        licenceId,
        id: randomUUID(),
        kind: configuration.kind,
        key: configuration.key,
        name: configuration.name.en,
        steps: [],
        createdAt: now,
        updatedAt: now,
      }));
      await store.insertConfigurations(executor, rows);
      return new Map(rows.map((row) => [row.key, row.id]));
    },

    async list(licenceId: string, subscribedApplications: readonly string[], mayOffer?: (definition: ConfigurationDefinition) => boolean) {
      const catalog = await ctx.catalog.current();
      const subscribed = new Set(subscribedApplications);
      // Standard ones in their usual order (Admin first), then tailor-made ones by name.
      const rank = (row: store.ConfigurationRow) => STANDARD_CONFIGURATIONS.findIndex((c) => c.key === row.key);
      const rows = (await store.listConfigurations(ctx.db, licenceId)).sort((a, b) =>
        a.kind === 'custom' || b.kind === 'custom' ? Number(a.kind === 'custom') - Number(b.kind === 'custom') || a.name.localeCompare(b.name) : rank(a) - rank(b),
      );
      return rows.map((row) => presentConfiguration(row, catalog, subscribed, mayOffer));
    },

    async createCustom(licenceId: string, subscribedApplications: readonly string[], input: { name: string; permissions: string[] }, actor: AuditActor) {
      const steps = await freeze(input.permissions);
      const now = ctx.now();
      const row = { licenceId, id: randomUUID(), kind: 'custom' as const, key: `custom-${randomUUID()}`, name: input.name, steps, createdAt: now, updatedAt: now };
      try {
        await ctx.transaction(async (tx, announce) => {
          await store.insertConfigurations(tx, [row]);
          await recordAudit(tx, actor, { licenceId, action: 'rights_configuration.create', target: { kind: 'rights_configuration', id: row.id, name: row.name }, after: { name: row.name, steps } }, now);
          await announce({ kind: 'licence', licenceId });
        });
      } catch (error) {
        throw nameTaken(error, input.name);
      }
      return presentConfiguration(row, await ctx.catalog.current(), new Set(subscribedApplications));
    },

    async updateCustom(licenceId: string, subscribedApplications: readonly string[], id: string, input: { name: string; permissions: string[] }, actor: AuditActor) {
      const steps = await freeze(input.permissions);
      const catalog = await ctx.catalog.current();
      try {
        return await ctx.transaction(async (tx, announce) => {
          const row = await store.findConfiguration(tx, licenceId, id);
          ensure(row !== null, notFound('rights configuration'));
          ensure(row.kind === 'custom', new Problem('forbidden', { en: 'Standard configurations follow the catalog and cannot be edited', fr: 'Les configurations standard suivent le catalogue et ne peuvent pas être modifiées' }));
          const changes = { name: input.name, steps, updatedAt: ctx.now() };
          await store.updateConfiguration(tx, licenceId, id, changes);
          const diff = changedFields({ name: row.name, steps: row.steps }, { name: changes.name, steps: changes.steps });
          await recordAudit(tx, actor, { licenceId, action: 'rights_configuration.update', target: { kind: 'rights_configuration', id, name: changes.name }, ...diff }, changes.updatedAt);
          await announce({ kind: 'licence', licenceId });
          return presentConfiguration({ ...row, ...changes }, catalog, new Set(subscribedApplications));
        });
      } catch (error) {
        throw nameTaken(error, input.name);
      }
    },
  };
}

export type ConfigurationsService = ReturnType<typeof createConfigurationsService>;
