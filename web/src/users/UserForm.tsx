import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { useUnsavedValues } from '../router';
import type { Gender, User, UserChanges, UserInput } from '../api/types';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { Alert } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { joinMobile, MobileField, mobileProblem, splitMobile, type MobileParts } from './MobileField';
import type { ReferenceData } from './referenceData';
import { configurationName } from '../format';

// Create a user, or edit one (the login is shown, never editable): general information, contact, authorizations.

const FIELDS = ['login', 'firstName', 'lastName', 'language', 'gender', 'email', 'mobile', 'configurationId', 'entityGroupId', 'defaultEntityId'] as const;
const GENDERS: Gender[] = ['female', 'male', 'unspecified'];
const USER_LANGUAGES = ['en', 'fr'];

interface Draft {
  login: string;
  firstName: string;
  lastName: string;
  language: string;
  gender: string;
  email: string;
  mobile: MobileParts;
  configurationId: string;
  entityGroupId: string;
  defaultEntityId: string;
}

function draftOf(user: User | null, language: string): Draft {
  return {
    login: user?.login ?? '',
    firstName: user?.firstName ?? '',
    lastName: user?.lastName ?? '',
    language: user?.language ?? language,
    gender: user?.gender ?? '',
    email: user?.email ?? '',
    mobile: splitMobile(user?.mobile ?? null),
    configurationId: user?.configuration.id ?? '',
    entityGroupId: user?.entityGroup.id ?? '',
    defaultEntityId: user?.defaultEntity.id ?? '',
  };
}

interface UserFormProps {
  /** The user to edit; null to create one. */
  user: User | null;
  reference: ReferenceData;
  onSaved: (user: User) => void;
  onCancel: () => void;
  /** How a new user is created; by default through the licence admins' API. The vendor's operators pass their own. */
  create?: (body: Record<string, unknown>) => Promise<User>;
  /** Every configuration may be granted (operators), not only those open to licence admins. */
  grantAny?: boolean;
}

export function UserForm({ user, reference, onSaved, onCancel, create, grantAny = false }: UserFormProps) {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(FIELDS, { login_taken: 'login' });
  const [draft, setDraft] = useState<Draft>(() => draftOf(user, i18n.language));
  const unsaved = useUnsavedValues(draft);
  const update = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));

  // Admins grant only the assignable configurations; a user holding another one (e.g. Admin) keeps it shown.
  // The vendor's operators grant any of them, Admin and Team included.
  const grantable = reference.rightsConfigurations.filter((configuration) => grantAny || configuration.assignable || configuration.id === user?.configuration.id);
  const group = reference.entityGroups.find((candidate) => candidate.id === draft.entityGroupId);
  const severalEntities = (group?.entities.length ?? 0) > 1;

  const chooseGroup = (entityGroupId: string) => {
    const chosen = reference.entityGroups.find((candidate) => candidate.id === entityGroupId);
    setDraft((current) => ({ ...current, entityGroupId, defaultEntityId: chosen?.entities[0]?.id ?? '' }));
  };

  const body = (): Record<string, unknown> => {
    const mobile = joinMobile(draft.mobile);
    const full: Record<string, unknown> = {
      firstName: draft.firstName,
      lastName: draft.lastName,
      language: draft.language,
      gender: draft.gender === '' ? null : draft.gender,
      email: draft.email,
      mobile,
      configurationId: draft.configurationId,
      entityGroupId: draft.entityGroupId,
      defaultEntityId: group?.entities.some((entity) => entity.id === draft.defaultEntityId) ? draft.defaultEntityId : group?.entities[0]?.id,
    };
    if (user === null) {
      // Creation leaves out what was not given, so the server reports missing fields by name.
      const created: Record<string, unknown> = { login: draft.login.trim() };
      for (const [key, value] of Object.entries(full)) if (value !== '' && value !== null && value !== undefined) created[key] = value;
      return created;
    }
    // An edit sends only what changed: an untouched field never trips a rule it did not concern.
    const before = draftOf(user, i18n.language);
    const beforeBody: Record<string, unknown> = {
      firstName: before.firstName,
      lastName: before.lastName,
      language: before.language,
      gender: before.gender === '' ? null : before.gender,
      email: before.email,
      mobile: joinMobile(before.mobile),
      configurationId: before.configurationId,
      entityGroupId: before.entityGroupId,
      defaultEntityId: before.defaultEntityId,
    };
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(full)) if (value !== beforeBody[key]) changes[key] = value;
    if ('entityGroupId' in changes || 'defaultEntityId' in changes) {
      changes.entityGroupId = full.entityGroupId;
      changes.defaultEntityId = full.defaultEntityId;
    }
    return changes;
  };

  /** What the form can tell before sending: empty required fields, a mobile that is not of its country. */
  const localProblems = (): Record<string, string> => {
    const found: Record<string, string> = {};
    const required: (keyof Draft)[] = ['firstName', 'lastName', 'email', 'configurationId', 'entityGroupId'];
    if (user === null) required.unshift('login');
    for (const key of required) if (String(draft[key]).trim() === '') found[key] = t('fieldErrors.required');
    const mobile = mobileProblem(t, i18n.language, draft.mobile);
    if (mobile !== undefined) found.mobile = mobile;
    else if (reference.licence.twoFactor && joinMobile(draft.mobile) === null) found.mobile = t('fieldErrors.required');
    return found;
  };

  const submit = problem.onSubmit(async () => {
    const found = localProblems();
    if (Object.keys(found).length > 0) {
      problem.show(found);
      return;
    }
    const saved =
      user === null
        ? await (create ?? ((created) => send(consoleApi.POST('/api/v1/users', { body: created as UserInput }))))(body())
        : await send(consoleApi.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: body() as UserChanges }));
    unsaved.saved();
    notify(user === null ? t('users.created', { login: saved.login }) : t('users.saved', { login: saved.login }));
    onSaved(saved);
  });

  return (
    <form onSubmit={submit} noValidate className="form user-form" aria-labelledby="user-form-title">
      <h2 id="user-form-title">{user === null ? t('users.createTitle') : t('users.editTitle', { login: user.login })}</h2>
      <Alert>{problem.alert}</Alert>
      <fieldset>
        <legend>{t('users.generalInformation')}</legend>
        <div className="form-grid">
          {user === null ? (
            <TextField label={t('user.login')} value={draft.login} onValue={(value) => update('login', value)} error={problem.fieldError('login')} required autoCapitalize="none" spellCheck={false} autoComplete="off" />
          ) : (
            <TextField label={t('user.login')} value={user.login} onValue={() => undefined} readOnly hint={t('users.loginImmutable')} error={problem.fieldError('login')} />
          )}
          <SelectField
            label={t('user.language')}
            value={draft.language}
            onValue={(value) => update('language', value)}
            choices={USER_LANGUAGES.map((language) => ({ value: language, label: t(`language.names.${language}`) }))}
            error={problem.fieldError('language')}
            required
          />
          <TextField label={t('user.firstName')} value={draft.firstName} onValue={(value) => update('firstName', value)} error={problem.fieldError('firstName')} required autoComplete="off" />
          <TextField label={t('user.lastName')} value={draft.lastName} onValue={(value) => update('lastName', value)} error={problem.fieldError('lastName')} required autoComplete="off" />
          <SelectField
            label={t('user.gender')}
            value={draft.gender}
            onValue={(value) => update('gender', value)}
            placeholder={t('user.genderNotGiven')}
            choices={GENDERS.map((gender) => ({ value: gender, label: t(`user.genders.${gender}`) }))}
            error={problem.fieldError('gender')}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('users.contact')}</legend>
        <div className="form-grid">
          <TextField label={t('user.email')} type="email" value={draft.email} onValue={(value) => update('email', value)} error={problem.fieldError('email')} required autoComplete="off" />
          <MobileField value={draft.mobile} onValue={(value) => update('mobile', value)} required={reference.licence.twoFactor} error={problem.fieldError('mobile')} />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('users.authorizations')}</legend>
        <div className="form-grid">
          <SelectField
            label={t('user.rightsConfiguration')}
            value={draft.configurationId}
            onValue={(value) => update('configurationId', value)}
            placeholder={t('common.choose')}
            choices={grantable.map((configuration) => ({ value: configuration.id, label: configurationName(t, configuration) }))}
            error={problem.fieldError('configurationId')}
            required
          />
          <SelectField
            label={t('user.entityGroup')}
            value={draft.entityGroupId}
            onValue={chooseGroup}
            placeholder={t('common.choose')}
            choices={reference.entityGroups
              // As for configurations: only the groups within the admin's reach, and the one the user holds.
              .filter((candidate) => grantAny || candidate.assignable !== false || candidate.id === user?.entityGroup.id)
              .map((candidate) => ({ value: candidate.id, label: candidate.name }))}
            error={problem.fieldError('entityGroupId')}
            required
          />
          {severalEntities && group ? (
            <SelectField
              label={t('user.defaultEntity')}
              value={draft.defaultEntityId}
              onValue={(value) => update('defaultEntityId', value)}
              choices={group.entities.map((entity) => ({ value: entity.id, label: `${entity.name} (${entity.code})` }))}
              error={problem.fieldError('defaultEntityId')}
              hint={t('users.defaultEntityHint')}
              required
            />
          ) : null}
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={problem.pending}>
          {user === null ? t('users.createSubmit') : t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
