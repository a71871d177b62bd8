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

// A user is a record of USER_FIELDS int32s: state (0 none, 1 deactivated, 2 active), where their
// configuration's row starts in `access`, where their entity group's bits start in `groupBits`.
// Flat typed arrays rather than objects: a check reads one cache line per user, not a chain of objects.
const USER_FIELDS = 4;
const DEACTIVATED = 1;
const ACTIVE = 2;

export interface LicenceSnapshot {
  readonly licenceId: string;
  readonly permissions: PermissionIndex;
  /** Configuration id → the start of its row in `access`. */
  readonly configurationRows: ReadonlyMap<string, number>;
  /** One row per configuration, one byte per key: 0 | UNSUBSCRIBED | GRANTED; the last row, all 0, is for a configuration the licence lacks. */
  readonly access: Uint8Array;
  /** Entity id or code → entity index; an id wins over a code. */
  readonly entityIndex: ReadonlyMap<string, number>;
  /** Entity group id → the start of its bitset in `groupBits`. */
  readonly groupRows: ReadonlyMap<string, number>;
  /** One bitset of entity indexes per group; the last one, empty, is for a group the licence lacks. */
  readonly groupBits: Uint32Array;
  readonly noConfigurationRow: number;
  readonly noGroupRow: number;
  readonly usersById: Map<string, number>;
  /** Lower-cased login → user slot: logins are unique in a licence whatever their case. */
  readonly usersByLogin: Map<string, number>;
  users: Int32Array;
  readonly userLogins: string[];
  readonly freeSlots: number[];
  /** Configuration row → its granted steps, built when a menu first asks. */
  readonly grantedStepsByRow: Map<number, ReadonlySet<string>>;
}

function setOnce<K, V>(map: Map<K, V>, key: K, value: V) {
  if (!map.has(key)) map.set(key, value);
}

export function compileLicenceSnapshot(catalog: CompiledCatalog, input: LicenceSnapshotInput): LicenceSnapshot {
  const permissions = permissionIndex(catalog);
  const keyCount = permissions.keys.length;
  const subscribed = new Uint8Array(keyCount);
  for (const application of input.applications) {
    const i = permissions.indexOfKey.get(application);
    if (i !== undefined && permissions.applicationOf[i] === i) subscribed[i] = 1;
  }
  const configurationRows = new Map<string, number>();
  for (const { id } of input.configurations) setOnce(configurationRows, id, configurationRows.size * keyCount);
  const access = new Uint8Array((configurationRows.size + 1) * keyCount);
  for (const { id, definition } of input.configurations) {
    const row = configurationRows.get(id) ?? 0;
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
  const entityIndex = new Map(entityIds);
  for (const entity of input.entities) setOnce(entityIndex, entity.code, entityIds.get(entity.id) ?? 0);
  const words = (input.entities.length + 31) >>> 5;
  const groupRows = new Map<string, number>();
  for (const { id } of input.entityGroups) setOnce(groupRows, id, groupRows.size * words);
  const groupBits = new Uint32Array((groupRows.size + 1) * words);
  input.entityGroups.forEach(({ id, entityIds: members }) => {
    const row = groupRows.get(id) ?? 0;
    for (const member of members) {
      const i = entityIds.get(member);
      if (i !== undefined) groupBits[row + (i >>> 5)] = (groupBits[row + (i >>> 5)] ?? 0) | (1 << (i & 31));
    }
  });
  const snapshot: LicenceSnapshot = {
    licenceId: input.licenceId,
    permissions,
    configurationRows,
    access,
    entityIndex,
    groupRows,
    groupBits,
    noConfigurationRow: configurationRows.size * keyCount,
    noGroupRow: groupRows.size * words,
    usersById: new Map(),
    usersByLogin: new Map(),
    users: new Int32Array(Math.max(input.users.length, 8) * USER_FIELDS),
    userLogins: [],
    freeSlots: [],
    grantedStepsByRow: new Map(),
  };
  for (const user of input.users) {
    const loginKey = user.login.toLowerCase();
    if (snapshot.usersById.has(user.id)) continue;
    const slot = writeUser(snapshot, takeSlot(snapshot), user, loginKey);
    snapshot.usersById.set(user.id, slot);
    setOnce(snapshot.usersByLogin, loginKey, slot);
  }
  return snapshot;
}

function takeSlot(snapshot: LicenceSnapshot): number {
  const free = snapshot.freeSlots.pop();
  if (free !== undefined) return free;
  const slot = snapshot.userLogins.length;
  if ((slot + 1) * USER_FIELDS > snapshot.users.length) {
    const grown = new Int32Array(snapshot.users.length * 2);
    grown.set(snapshot.users);
    snapshot.users = grown;
  }
  snapshot.userLogins.push('');
  return slot;
}

function writeUser(snapshot: LicenceSnapshot, slot: number, user: SnapshotUser, loginKey: string): number {
  const { users } = snapshot;
  const at = slot * USER_FIELDS;
  users[at] = user.status === 'active' ? ACTIVE : DEACTIVATED;
  // A configuration or group the licence does not have grants nothing: its row is the empty last one.
  users[at + 1] = snapshot.configurationRows.get(user.configurationId) ?? snapshot.noConfigurationRow;
  users[at + 2] = snapshot.groupRows.get(user.entityGroupId) ?? snapshot.noGroupRow;
  snapshot.userLogins[slot] = loginKey;
  return slot;
}

/** Puts one user's current state in a snapshot, e.g. after a deactivation, without rebuilding the licence. */
export function upsertSnapshotUser(snapshot: LicenceSnapshot, user: SnapshotUser): void {
  const loginKey = user.login.toLowerCase();
  const existing = snapshot.usersById.get(user.id);
  if (existing !== undefined && snapshot.usersByLogin.get(snapshot.userLogins[existing] ?? '') === existing) {
    snapshot.usersByLogin.delete(snapshot.userLogins[existing] ?? '');
  }
  const slot = writeUser(snapshot, existing ?? takeSlot(snapshot), user, loginKey);
  snapshot.usersById.set(user.id, slot);
  snapshot.usersByLogin.set(loginKey, slot);
}

/** Forgets a deleted user: every later check about them answers unknown_user. */
export function removeSnapshotUser(snapshot: LicenceSnapshot, userId: string): void {
  const slot = snapshot.usersById.get(userId);
  if (slot === undefined) return;
  snapshot.usersById.delete(userId);
  const loginKey = snapshot.userLogins[slot] ?? '';
  if (snapshot.usersByLogin.get(loginKey) === slot) snapshot.usersByLogin.delete(loginKey);
  snapshot.users.fill(0, slot * USER_FIELDS, (slot + 1) * USER_FIELDS);
  snapshot.freeSlots.push(slot);
}

/** Decides for a user named by id (the hot path of the platform's services). */
export function decideForUserId(snapshot: LicenceSnapshot, userId: string, permission: string, entity?: string): Decision {
  return decideForSlot(snapshot, snapshot.usersById.get(userId), permission, entity);
}

/** `entity` is an entity's id or code; a login is matched whatever its case. */
export function decide(snapshot: LicenceSnapshot, user: { id: string } | { login: string }, permission: string, entity?: string): Decision {
  const slot = 'id' in user ? snapshot.usersById.get(user.id) : snapshot.usersByLogin.get(user.login.toLowerCase());
  return decideForSlot(snapshot, slot, permission, entity);
}

function decideForSlot(snapshot: LicenceSnapshot, slot: number | undefined, permission: string, entity: string | undefined): Decision {
  if (slot === undefined) return DECISIONS.unknown_user;
  const users = snapshot.users;
  const at = slot * USER_FIELDS;
  // A deactivated user is denied at once, whatever they ask.
  if (users[at] !== ACTIVE) return DECISIONS.inactive_user;
  const key = snapshot.permissions.indexOfKey.get(permission);
  if (key === undefined) return DECISIONS.unknown_permission;
  const level = snapshot.access[(users[at + 1] ?? 0) + key];
  if (level !== GRANTED) return level === UNSUBSCRIBED ? DECISIONS.application_not_subscribed : DECISIONS.not_in_configuration;
  if (entity === undefined) return DECISIONS.ok;
  const target = snapshot.entityIndex.get(entity);
  if (target === undefined) return DECISIONS.entity_not_in_group;
  const word = snapshot.groupBits[(users[at + 2] ?? 0) + (target >>> 5)] ?? 0;
  return (word >>> (target & 31)) & 1 ? DECISIONS.ok : DECISIONS.entity_not_in_group;
}

const NO_STEPS: ReadonlySet<string> = new Set();

/**
 * The steps a user may actually use (configuration ∩ subscribed applications), for menus; null for an
 * unknown user, and no step for a deactivated one.
 */
export function grantedSteps(snapshot: LicenceSnapshot, userId: string): ReadonlySet<string> | null {
  const slot = snapshot.usersById.get(userId);
  if (slot === undefined) return null;
  const at = slot * USER_FIELDS;
  if (snapshot.users[at] !== ACTIVE) return NO_STEPS;
  const row = snapshot.users[at + 1] ?? 0;
  let steps = snapshot.grantedStepsByRow.get(row);
  if (steps === undefined) {
    const { keys, isStep } = snapshot.permissions;
    steps = new Set(keys.filter((_, i) => isStep[i] === 1 && snapshot.access[row + i] === GRANTED));
    snapshot.grantedStepsByRow.set(row, steps);
  }
  return steps;
}
