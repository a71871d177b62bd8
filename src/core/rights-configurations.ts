import type { CompiledCatalog, LocalizedName, Tag } from './catalog.ts';

// What a user may do. Standard and internal configurations are rules over tags, so an application
// released later joins them on its own; custom ones are explicit step lists, frozen when an operator
// saves them, so a later application joins them only when an operator updates them.

export type ConfigurationKind = 'standard' | 'internal' | 'custom';

/** Every step, minus those carrying an excluded tag; or only the steps carrying one of `only`. */
export type TagRule = { only: Tag[] } | { exclude: Tag[] };

export interface StandardConfiguration {
  key: StandardConfigurationKey;
  kind: Exclude<ConfigurationKind, 'custom'>;
  name: LocalizedName;
  /** The name it had in earlier versions of the platform, kept so people find it again. */
  formerly?: string;
  /** Licence admins may grant it; otherwise only operators can. */
  assignableByAdmins: boolean;
  rule: TagRule;
}

const ADVANCED_USER_EXCLUDES: Tag[] = ['user-management'];
const USER_EXCLUDES: Tag[] = [...ADVANCED_USER_EXCLUDES, 'structure-change', 'exports-data', 'mass-import', 'html-library', 'testing-groups'];
const RESTRICTED_USER_EXCLUDES: Tag[] = [...USER_EXCLUDES, 'sends-campaign', 'saved-targeting'];

export const STANDARD_CONFIGURATIONS = [
  {
    key: 'admin',
    kind: 'standard',
    name: { en: 'Admin', fr: 'Administrateur' },
    formerly: 'AdminUser',
    assignableByAdmins: false,
    rule: { exclude: [] },
  },
  {
    key: 'advanced-user',
    kind: 'standard',
    name: { en: 'Advanced user', fr: 'Utilisateur avancé' },
    formerly: 'User',
    assignableByAdmins: true,
    rule: { exclude: ADVANCED_USER_EXCLUDES },
  },
  {
    key: 'user',
    kind: 'standard',
    name: { en: 'User', fr: 'Utilisateur' },
    assignableByAdmins: true,
    rule: { exclude: USER_EXCLUDES },
  },
  {
    key: 'restricted-user',
    kind: 'standard',
    name: { en: 'Restricted user', fr: 'Utilisateur restreint' },
    assignableByAdmins: true,
    rule: { exclude: RESTRICTED_USER_EXCLUDES },
  },
  {
    key: 'reviewer',
    kind: 'standard',
    name: { en: 'Reviewer', fr: 'Réviseur' },
    assignableByAdmins: true,
    rule: { only: ['reporting'] },
  },
  {
    key: 'transfer-box',
    kind: 'standard',
    name: { en: 'Transfer box', fr: 'Transfer Box' },
    assignableByAdmins: true,
    rule: { only: ['transfer-box'] },
  },
  {
    key: 'support',
    kind: 'internal',
    name: { en: 'Support', fr: 'Support' },
    assignableByAdmins: false,
    rule: { exclude: ['exports-data'] },
  },
  {
    key: 'team',
    kind: 'internal',
    name: { en: 'Team', fr: 'Équipe' },
    assignableByAdmins: false,
    rule: { exclude: ['user-management'] },
  },
] as const satisfies readonly (Omit<StandardConfiguration, 'key'> & { key: string })[];

export type StandardConfigurationKey = (typeof STANDARD_CONFIGURATIONS)[number]['key'];

const STANDARD_BY_KEY: ReadonlyMap<string, StandardConfiguration> = new Map(
  STANDARD_CONFIGURATIONS.map((configuration) => [configuration.key, configuration as StandardConfiguration]),
);

export function standardConfiguration(key: string): StandardConfiguration | undefined {
  return STANDARD_BY_KEY.get(key);
}

export function stepsOfRule(rule: TagRule, catalog: CompiledCatalog): string[] {
  const selected =
    'only' in rule
      ? catalog.steps.filter((step) => rule.only.some((tag) => step.tags.has(tag)))
      : catalog.steps.filter((step) => !rule.exclude.some((tag) => step.tags.has(tag)));
  return selected.map((step) => step.key);
}

/** A rights configuration as stored: a standard one is named by its key, a custom one lists its steps. */
export type ConfigurationDefinition = { kind: 'standard' | 'internal'; key: string } | { kind: 'custom'; steps: readonly string[] };

/**
 * The steps a configuration grants under the current catalog. A custom configuration's steps that the
 * catalog no longer has are left out.
 */
export function stepsOfConfiguration(definition: ConfigurationDefinition, catalog: CompiledCatalog): string[] {
  if (definition.kind === 'custom') return definition.steps.filter((step) => catalog.stepsByKey.has(step));
  const standard = standardConfiguration(definition.key);
  if (standard === undefined) throw new Error(`unknown standard configuration "${definition.key}"`);
  return stepsOfRule(standard.rule, catalog);
}

/** Licence admins may grant standard configurations marked so, and every custom configuration of their licence. */
export function isAssignableByAdmins(definition: ConfigurationDefinition): boolean {
  if (definition.kind === 'custom') return true;
  return standardConfiguration(definition.key)?.assignableByAdmins ?? false;
}

/** Internal users (vendor staff) never count against the seat limit. */
export function isInternal(definition: { kind: ConfigurationKind }): boolean {
  return definition.kind === 'internal';
}
