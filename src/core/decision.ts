import type { CompiledCatalog } from './catalog.ts';
import { STANDARD_CONFIGURATIONS, stepsOfConfiguration, type ConfigurationDefinition } from './rights-configurations.ts';

// The decision the rest of the platform asks all day long: may this user do this action on data of
// this entity? It reads a snapshot compiled per licence, so a check is a few map lookups and array
// reads, with nothing allocated. Every key of the catalog (category, application, step) is interned
// to an index once per catalog; each rights configuration of a licence becomes a table over those
// indexes saying how far the key gets (not configured / configured but unsubscribed / granted).

export type DecisionReason =
  | 'ok'
  | 'unknown_user'
  | 'inactive_user'
  | 'unknown_permission'
  | 'not_in_configuration'
  | 'application_not_subscribed'
  | 'entity_not_in_group';

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
}

/** One frozen answer per reason, so deciding allocates nothing. */
export const DECISIONS: Readonly<Record<DecisionReason, Decision>> = Object.freeze({
  ok: Object.freeze({ allowed: true, reason: 'ok' }),
  unknown_user: Object.freeze({ allowed: false, reason: 'unknown_user' }),
  inactive_user: Object.freeze({ allowed: false, reason: 'inactive_user' }),
  unknown_permission: Object.freeze({ allowed: false, reason: 'unknown_permission' }),
  not_in_configuration: Object.freeze({ allowed: false, reason: 'not_in_configuration' }),
  application_not_subscribed: Object.freeze({ allowed: false, reason: 'application_not_subscribed' }),
  entity_not_in_group: Object.freeze({ allowed: false, reason: 'entity_not_in_group' }),
});

/**
 * A string-keyed table for the hot path: a prototype-less object, which V8 keeps as a hash table
 * from the start. A lookup in it costs about half a Map's once the key string has been seen, as V8
 * then holds the string interned; a key never seen costs about the same in both.
 */
export type Table<V> = Record<string, V | undefined>;

function tableOf<V>(entries: Iterable<readonly [string, V]> = []): Table<V> {
  const table = Object.create(null) as Table<V>;
  for (const [key, value] of entries) table[key] = value;
  return table;
}

export interface SnapshotUser {
  id: string;
  login: string;
  status: 'active' | 'deactivated';
  configurationId: string;
  entityGroupId: string;
}

export interface LicenceSnapshotInput {
  licenceId: string;
  /** Subscribed application keys. */
  applications: readonly string[];
  configurations: readonly { id: string; definition: ConfigurationDefinition }[];
  entities: readonly { id: string; code: string }[];
  entityGroups: readonly { id: string; entityIds: readonly string[] }[];
  users: readonly SnapshotUser[];
}

/** The catalog's keys interned to indexes; built once per compiled catalog and shared by every licence. */
export interface PermissionIndex {
  readonly catalog: CompiledCatalog;
  /** Every category, application and step key, by index. */
  readonly keys: readonly string[];
  readonly indexOfKey: ReadonlyMap<string, number>;
  /** The same as a table, for the decision's hot path. */
  readonly keyTable: Readonly<Table<number>>;
  /** Key index → its application's index (an application is its own; a category has -1). */
  readonly applicationOf: Int32Array;
  /** Key index → its category's index. */
  readonly categoryOf: Int32Array;
  /** Key index → 1 when the key is a step. */
  readonly isStep: Uint8Array;
  /** Standard and internal configuration key → the step indexes its rule selects. */
  readonly standardSteps: ReadonlyMap<string, Int32Array>;
}

const indexes = new WeakMap<CompiledCatalog, PermissionIndex>();

/** The interned keys of a catalog, computed on first use and then shared. */
export function permissionIndex(catalog: CompiledCatalog): PermissionIndex {
  let index = indexes.get(catalog);
  if (index === undefined) {
    index = buildPermissionIndex(catalog);
    indexes.set(catalog, index);
  }
  return index;
}

function buildPermissionIndex(catalog: CompiledCatalog): PermissionIndex {
  const keys: string[] = [];
  const applications: number[] = [];
  const categories: number[] = [];
  const steps: number[] = [];
  const intern = (key: string, application: number, category: number, step: boolean) => {
    keys.push(key);
    applications.push(application);
    categories.push(category);
    steps.push(step ? 1 : 0);
    return keys.length - 1;
  };
  for (const category of catalog.source.categories) {
    const categoryIndex = intern(category.key, -1, keys.length, false);
    for (const application of category.applications) {
      const applicationIndex = intern(application.key, keys.length, categoryIndex, false);
      for (const step of application.steps) intern(step.key, applicationIndex, categoryIndex, true);
    }
  }
  const indexOfKey = new Map<string, number>();
  keys.forEach((key, i) => indexOfKey.set(key, i));
  const standardSteps = new Map<string, Int32Array>();
  for (const { kind, key } of STANDARD_CONFIGURATIONS) {
    const selected = stepsOfConfiguration({ kind, key }, catalog).map((step) => indexOfKey.get(step) ?? -1);
    standardSteps.set(key, Int32Array.from(selected));
  }
  return {
    catalog,
    keys,
    indexOfKey,
    keyTable: tableOf(indexOfKey),
    applicationOf: Int32Array.from(applications),
    categoryOf: Int32Array.from(categories),
    isStep: Uint8Array.from(steps),
    standardSteps,
  };
}

function stepIndexesOf(index: PermissionIndex, definition: ConfigurationDefinition): Iterable<number> {
  if (definition.kind !== 'custom') {
    const selected = index.standardSteps.get(definition.key);
    if (selected === undefined) throw new Error(`unknown standard configuration "${definition.key}"`);
    return selected;
  }
  // A custom configuration lists steps frozen when it was saved; steps the catalog has since lost,
  // and keys that are not steps, grant nothing.
  const selected: number[] = [];
  for (const key of definition.steps) {
    const i = index.indexOfKey.get(key);
    if (i !== undefined && index.isStep[i] === 1) selected.push(i);
  }
  return selected;
}

// How far a key gets in one configuration: 0 (a fresh table's value) is not configured. Ordered, so a
// category or application takes the best of the steps under it.
const UNSUBSCRIBED = 1;
const GRANTED = 2;

// A user is one small integer, the value of the id map itself, so a check reads no user record:
//   bit 0: active · the next bits: their configuration's index · the bits above: their group's index.
// The widths are chosen per licence so that the whole stays a small integer (30 bits).
const RECORD_BITS = 30;

export interface LicenceSnapshot {
  readonly licenceId: string;
  readonly permissions: PermissionIndex;
  /** The catalog's key → index (`permissions.keyTable`), held here so a check reaches it in one step. */
  readonly keyIndex: Readonly<Table<number>>;
  readonly keyCount: number;
  /** Configuration id → its index: its row in `access` starts at index × keyCount. */
  readonly configurationIndex: ReadonlyMap<string, number>;
  /** One row per configuration, one byte per key: 0 | UNSUBSCRIBED | GRANTED; the last row, all 0, is for a configuration the licence lacks. */
  readonly access: Uint8Array;
  /** Entity id or code → entity index; an id wins over a code. */
  readonly entityIndex: Readonly<Table<number>>;
  /** Entity group id → its index: its bitset in `groupBits` starts at index × groupWords. */
  readonly groupIndex: ReadonlyMap<string, number>;
  readonly groupWords: number;
  /** One bitset of entity indexes per group; the last one, empty, is for a group the licence lacks. */
  readonly groupBits: Uint32Array;
  readonly noConfiguration: number;
  readonly noGroup: number;
  /** Where a record's group index starts; the configuration index lies between bit 1 and it. */
  readonly groupShift: number;
  readonly configurationMask: number;
  /** User id → the user's record. */
  readonly usersById: Table<number>;
  /** Lower-cased login → user id: logins are unique in a licence whatever their case. */
  readonly usersByLogin: Map<string, string>;
  /** User id → lower-cased login, to move the login of a renamed user. */
  readonly loginsById: Map<string, string>;
  /** Configuration index → its granted steps, built when a menu first asks. */
  readonly grantedStepsByConfiguration: Map<number, ReadonlySet<string>>;
}

function setOnce<K, V>(map: Map<K, V>, key: K, value: V) {
  if (!map.has(key)) map.set(key, value);
}

const bitsFor = (largest: number) => 32 - Math.clz32(largest);

export function compileLicenceSnapshot(catalog: CompiledCatalog, input: LicenceSnapshotInput): LicenceSnapshot {
  const permissions = permissionIndex(catalog);
  const keyCount = permissions.keys.length;
  const subscribed = new Uint8Array(keyCount);
  for (const application of input.applications) {
    const i = permissions.indexOfKey.get(application);
    if (i !== undefined && permissions.applicationOf[i] === i) subscribed[i] = 1;
  }
  const configurationIndex = new Map<string, number>();
  for (const { id } of input.configurations) setOnce(configurationIndex, id, configurationIndex.size);
  const access = new Uint8Array((configurationIndex.size + 1) * keyCount);
  for (const { id, definition } of input.configurations) {
    const row = (configurationIndex.get(id) ?? 0) * keyCount;
    for (const step of stepIndexesOf(permissions, definition)) {
      const application = permissions.applicationOf[step] ?? 0;
      const category = permissions.categoryOf[step] ?? 0;
      const level = subscribed[application] === 1 ? GRANTED : UNSUBSCRIBED;
      // A category or application is as far as the best step under it.
      access[row + step] = level;
      if ((access[row + application] ?? 0) < level) access[row + application] = level;
      if ((access[row + category] ?? 0) < level) access[row + category] = level;
    }
  }
  const entityIds = new Map<string, number>();
  input.entities.forEach((entity, i) => setOnce(entityIds, entity.id, i));
  // An entity is named by id or by code; an id wins when one entity's code is another's id.
  const entityNames = new Map(entityIds);
  for (const entity of input.entities) setOnce(entityNames, entity.code, entityIds.get(entity.id) ?? 0);
  const groupWords = (input.entities.length + 31) >>> 5;
  const groupIndex = new Map<string, number>();
  for (const { id } of input.entityGroups) setOnce(groupIndex, id, groupIndex.size);
  const groupBits = new Uint32Array((groupIndex.size + 1) * groupWords);
  for (const { id, entityIds: members } of input.entityGroups) {
    const row = (groupIndex.get(id) ?? 0) * groupWords;
    for (const member of members) {
      const i = entityIds.get(member);
      if (i !== undefined) groupBits[row + (i >>> 5)] = (groupBits[row + (i >>> 5)] ?? 0) | (1 << (i & 31));
    }
  }
  const noConfiguration = configurationIndex.size;
  const noGroup = groupIndex.size;
  const groupShift = 1 + bitsFor(noConfiguration);
  if (groupShift + bitsFor(noGroup) > RECORD_BITS) {
    throw new Error(`licence ${input.licenceId} has too many configurations (${noConfiguration}) and entity groups (${noGroup}) together for its snapshot`);
  }
  const snapshot: LicenceSnapshot = {
    licenceId: input.licenceId,
    permissions,
    keyIndex: permissions.keyTable,
    keyCount,
    configurationIndex,
    access,
    entityIndex: tableOf(entityNames),
    groupIndex,
    groupWords,
    groupBits,
    noConfiguration,
    noGroup,
    groupShift,
    configurationMask: (1 << (groupShift - 1)) - 1,
    usersById: tableOf(),
    usersByLogin: new Map(),
    loginsById: new Map(),
    grantedStepsByConfiguration: new Map(),
  };
  for (const user of input.users) {
    if (snapshot.usersById[user.id] !== undefined) continue;
    const login = user.login.toLowerCase();
    snapshot.usersById[user.id] = recordOf(snapshot, user);
    snapshot.loginsById.set(user.id, login);
    setOnce(snapshot.usersByLogin, login, user.id);
  }
  return snapshot;
}

function recordOf(snapshot: LicenceSnapshot, user: SnapshotUser): number {
  // A configuration or group the licence does not have grants nothing: its row is the empty last one.
  const configuration = snapshot.configurationIndex.get(user.configurationId) ?? snapshot.noConfiguration;
  const group = snapshot.groupIndex.get(user.entityGroupId) ?? snapshot.noGroup;
  return (user.status === 'active' ? 1 : 0) | (configuration << 1) | (group << snapshot.groupShift);
}

/** Puts one user's current state in a snapshot, e.g. after a deactivation, without rebuilding the licence. */
export function upsertSnapshotUser(snapshot: LicenceSnapshot, user: SnapshotUser): void {
  const login = user.login.toLowerCase();
  const previous = snapshot.loginsById.get(user.id);
  if (previous !== undefined && snapshot.usersByLogin.get(previous) === user.id) snapshot.usersByLogin.delete(previous);
  snapshot.usersById[user.id] = recordOf(snapshot, user);
  snapshot.loginsById.set(user.id, login);
  snapshot.usersByLogin.set(login, user.id);
}

/** Forgets a deleted user: every later check about them answers unknown_user. */
export function removeSnapshotUser(snapshot: LicenceSnapshot, userId: string): void {
  const login = snapshot.loginsById.get(userId);
  if (login === undefined) return;
  delete snapshot.usersById[userId];
  snapshot.loginsById.delete(userId);
  if (snapshot.usersByLogin.get(login) === userId) snapshot.usersByLogin.delete(login);
}

/** Decides for a user named by id (the hot path of the platform's services). */
export function decideForUserId(snapshot: LicenceSnapshot, userId: string, permission: string, entity?: string): Decision {
  return decideForRecord(snapshot, snapshot.usersById[userId], permission, entity);
}

/** `entity` is an entity's id or code; a login is matched whatever its case. */
export function decide(snapshot: LicenceSnapshot, user: { id: string } | { login: string }, permission: string, entity?: string): Decision {
  const id = 'id' in user ? user.id : snapshot.usersByLogin.get(user.login.toLowerCase());
  return decideForRecord(snapshot, id === undefined ? undefined : snapshot.usersById[id], permission, entity);
}

function decideForRecord(snapshot: LicenceSnapshot, record: number | undefined, permission: string, entity: string | undefined): Decision {
  if (record === undefined) return DECISIONS.unknown_user;
  // A deactivated user is denied at once, whatever they ask.
  if ((record & 1) === 0) return DECISIONS.inactive_user;
  const key = snapshot.keyIndex[permission];
  if (key === undefined) return DECISIONS.unknown_permission;
  const level = snapshot.access[((record >>> 1) & snapshot.configurationMask) * snapshot.keyCount + key];
  if (level !== GRANTED) return level === UNSUBSCRIBED ? DECISIONS.application_not_subscribed : DECISIONS.not_in_configuration;
  if (entity === undefined) return DECISIONS.ok;
  const target = snapshot.entityIndex[entity];
  if (target === undefined) return DECISIONS.entity_not_in_group;
  const word = snapshot.groupBits[(record >>> snapshot.groupShift) * snapshot.groupWords + (target >>> 5)] ?? 0;
  return (word >>> (target & 31)) & 1 ? DECISIONS.ok : DECISIONS.entity_not_in_group;
}

const NO_STEPS: ReadonlySet<string> = new Set();

/**
 * The steps a user may actually use (configuration ∩ subscribed applications), for menus; null for an
 * unknown user, and no step for a deactivated one.
 */
export function grantedSteps(snapshot: LicenceSnapshot, userId: string): ReadonlySet<string> | null {
  const record = snapshot.usersById[userId];
  if (record === undefined) return null;
  if ((record & 1) === 0) return NO_STEPS;
  const configuration = (record >>> 1) & snapshot.configurationMask;
  let steps = snapshot.grantedStepsByConfiguration.get(configuration);
  if (steps === undefined) {
    const { keys, isStep } = snapshot.permissions;
    const row = configuration * snapshot.keyCount;
    steps = new Set(keys.filter((_, i) => isStep[i] === 1 && snapshot.access[row + i] === GRANTED));
    snapshot.grantedStepsByConfiguration.set(configuration, steps);
  }
  return steps;
}
