import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError, operatorApi, send } from '../api/client';
import type { RequestOf, ResponseOf } from '../api/types';
import { localized } from '../format';
import { useUnsavedValues } from '../router';
import { Field, SelectField, TextField, type Choice } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert, fieldErrorMessage } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { useSubmit } from '../ui/useSubmit';

// Registering or editing an application of the platform: its kind (fixed once registered), the URIs
// it may send people back to (one per line), how its ID tokens are signed, the catalog application it
// stands for, and for a service the scopes it may receive.

export type OperatorApplication = ResponseOf<'/operator/v1/applications/{id}'>;
export type ApplicationKind = OperatorApplication['kind'];
export type IdTokenSigningAlg = NonNullable<OperatorApplication['idTokenSigningAlg']>;
export type Registered = ResponseOf<'/operator/v1/applications', 'post', 201>;
type Registration = RequestOf<'/operator/v1/applications', 'post'>;

export const KINDS: readonly ApplicationKind[] = ['web', 'spa', 'native', 'service'];
export const SERVICE_SCOPES = ['decisions:read', 'users:read'] as const;
/** RS256 first: the default, which every OpenID client accepts. */
export const ID_TOKEN_SIGNING_ALGS: readonly IdTokenSigningAlg[] = ['RS256', 'ES256'];
/** A scope in words; its i18n key has no colon, which i18next would read as a namespace. */
export const scopeLabel = (t: TFunction, scope: string) => t(`applications.scopeNames.${scope.replace(/:(\w)/, (_match, letter: string) => letter.toUpperCase())}`, { defaultValue: scope });

const FIELDS = ['name', 'kind', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'application', 'scopes', 'idTokenSigningAlg'] as const;

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/**
 * The server names a bad URI by its place (redirectUris.2) and says what is wrong in English: here it
 * becomes the line of its text box, in the reader's language.
 */
export function localizedRefusal(t: TFunction, error: unknown): unknown {
  if (!(error instanceof ApiError) || error.fieldErrors.length === 0) return error;
  const errors = error.fieldErrors.map((fieldError) => {
    const place = /^(redirectUris|postLogoutRedirectUris|scopes)\.(\d+)$/.exec(fieldError.field);
    const own = t(`applications.fieldErrors.${fieldError.code}`, { defaultValue: '' });
    const message = own !== '' ? own : fieldErrorMessage(t, fieldError.code, fieldError.message);
    // Already in the reader's words: the code is one no console wording replaces again.
    const code = `applications.${fieldError.code}`;
    return place?.[1] !== undefined && place[2] !== undefined
      ? { field: place[1], code, message: t('applications.lineError', { line: Number(place[2]) + 1, message }) }
      : { field: fieldError.field, code, message };
  });
  return new ApiError(error.status, { ...error.problem, errors });
}

interface ApplicationFormProps {
  /** The application being edited, or none to register a new one. */
  editing: OperatorApplication | null;
  onRegistered: (registered: Registered, name: string) => void;
  onSaved: (saved: OperatorApplication) => void;
  onCancel: () => void;
}

export function ApplicationForm({ editing, onRegistered, onSaved, onCancel }: ApplicationFormProps) {
  const { t, i18n } = useTranslation();
  const problem = useSubmit(FIELDS);
  const catalog = useLoad(() => send(operatorApi.GET('/operator/v1/catalog')), []);
  const [name, setName] = useState(editing?.name ?? '');
  const [kind, setKind] = useState<ApplicationKind>(editing?.kind ?? 'web');
  const [redirectUris, setRedirectUris] = useState(editing?.redirectUris.join('\n') ?? '');
  const [postLogoutRedirectUris, setPostLogoutRedirectUris] = useState(editing?.postLogoutRedirectUris.join('\n') ?? '');
  const [backchannelLogoutUri, setBackchannelLogoutUri] = useState(editing?.backchannelLogoutUri ?? '');
  const [application, setApplication] = useState(editing?.application ?? '');
  const [scopes, setScopes] = useState<Set<string>>(new Set(editing?.scopes ?? []));
  const [idTokenSigningAlg, setIdTokenSigningAlg] = useState<IdTokenSigningAlg>(editing?.idTokenSigningAlg ?? 'RS256');
  const service = kind === 'service';
  const unsaved = useUnsavedValues([name, kind, redirectUris, postLogoutRedirectUris, backchannelLogoutUri, application, [...scopes].sort(), idTokenSigningAlg]);
  const titleId = editing ? 'edit-application-title' : 'register-application-title';

  const submit = problem.onSubmit(async () => {
    const body = {
      name,
      redirectUris: service ? [] : lines(redirectUris),
      ...(service ? {} : { postLogoutRedirectUris: lines(postLogoutRedirectUris), idTokenSigningAlg }),
      scopes: service ? SERVICE_SCOPES.filter((scope) => scopes.has(scope)) : [],
    };
    try {
      if (editing) {
        const changes = { ...body, backchannelLogoutUri: service || backchannelLogoutUri.trim() === '' ? null : backchannelLogoutUri.trim(), application: application === '' ? null : application };
        const saved = await send(operatorApi.PATCH('/operator/v1/applications/{id}', { params: { path: { id: editing.id } }, body: changes }));
        unsaved.saved();
        onSaved(saved);
      } else {
        const registration: Registration = {
          ...body,
          kind,
          ...(service || backchannelLogoutUri.trim() === '' ? {} : { backchannelLogoutUri: backchannelLogoutUri.trim() }),
          ...(application === '' ? {} : { application }),
        };
        const registered = await send(operatorApi.POST('/operator/v1/applications', { body: registration }));
        unsaved.saved();
        onRegistered(registered, name);
      }
    } catch (error) {
      throw localizedRefusal(t, error);
    }
  });

  const kindChoices: Choice[] = KINDS.map((value) => ({ value, label: t(`applications.kinds.${value}`) }));
  const algChoices: Choice[] = ID_TOKEN_SIGNING_ALGS.map((value) => ({ value, label: t(`applications.idTokenSigningAlgs.${value}`) }));
  const toggleScope = (scope: string) =>
    setScopes((current) => {
      const next = new Set(current);
      if (next.has(scope)) next.delete(scope);
      else next.add(scope);
      return next;
    });

  return (
    <section className="card form-card">
      <form onSubmit={submit} noValidate className="form form-narrow" aria-labelledby={titleId}>
        <h2 id={titleId}>{editing ? t('applications.editTitle', { name: editing.name }) : t('applications.registerTitle')}</h2>
        <Alert>{problem.alert}</Alert>
        <TextField label={t('applications.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
        <SelectField
          label={t('applications.kind')}
          value={kind}
          onValue={(value) => setKind(value as ApplicationKind)}
          choices={kindChoices}
          error={problem.fieldError('kind')}
          hint={editing ? t('applications.kindFixed') : t(`applications.kindHints.${kind}`)}
          disabled={editing !== null}
          required
        />
        {service ? (
          <fieldset className="checkbox-group">
            <legend>{t('applications.scopes')}</legend>
            <p className="field-hint">{t('applications.scopesHint')}</p>
            {SERVICE_SCOPES.map((scope) => (
              <label key={scope} className="checkbox">
                <input type="checkbox" checked={scopes.has(scope)} onChange={() => toggleScope(scope)} /> {scopeLabel(t, scope)} <code>{scope}</code>
              </label>
            ))}
            {problem.fieldError('scopes') ? <p className="field-error">{problem.fieldError('scopes')}</p> : null}
          </fieldset>
        ) : (
          <>
            <UriLines label={t('applications.redirectUris')} hint={t(kind === 'native' ? 'applications.redirectUrisNativeHint' : 'applications.redirectUrisHint')} value={redirectUris} onValue={setRedirectUris} error={problem.fieldError('redirectUris')} required />
            <UriLines label={t('applications.postLogoutRedirectUris')} hint={t('applications.onePerLine')} value={postLogoutRedirectUris} onValue={setPostLogoutRedirectUris} error={problem.fieldError('postLogoutRedirectUris')} />
            <TextField label={t('applications.backchannelLogoutUri')} hint={t('applications.backchannelLogoutUriHint')} value={backchannelLogoutUri} onValue={setBackchannelLogoutUri} error={problem.fieldError('backchannelLogoutUri')} inputMode="url" />
            <SelectField
              label={t('applications.idTokenSigningAlg')}
              value={idTokenSigningAlg}
              onValue={(value) => setIdTokenSigningAlg(value as IdTokenSigningAlg)}
              choices={algChoices}
              error={problem.fieldError('idTokenSigningAlg')}
              hint={t(`applications.idTokenSigningAlgHints.${idTokenSigningAlg}`)}
              required
            />
          </>
        )}
        <LoadState loaded={catalog}>
          {(data) => <CatalogApplicationField catalog={data} language={i18n.language} value={application} onValue={setApplication} error={problem.fieldError('application')} />}
        </LoadState>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={problem.pending}>
            {editing ? t('applications.save') : t('applications.register')}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

function UriLines({ label, hint, value, onValue, error, required }: { label: string; hint: string; value: string; onValue: (value: string) => void; error: string | undefined; required?: boolean }) {
  return (
    <Field label={label} hint={hint} error={error} required={required ?? false}>
      {(control) => <textarea {...control} rows={3} spellCheck={false} autoCapitalize="off" value={value} onChange={(event) => onValue(event.target.value)} />}
    </Field>
  );
}

type Catalog = ResponseOf<'/operator/v1/catalog'>;

/** The catalog application an application stands for: a whole category or one of its applications. */
function CatalogApplicationField({ catalog, language, value, onValue, error }: { catalog: Catalog; language: string; value: string; onValue: (value: string) => void; error: string | undefined }) {
  const { t } = useTranslation();
  const choices = useMemo(
    () =>
      catalog.categories.flatMap((category): Choice[] => [
        { value: category.key, label: localized(category.name, language) },
        ...category.applications.map((application) => ({ value: application.key, label: `${localized(category.name, language)} › ${localized(application.name, language)}` })),
      ]),
    [catalog, language],
  );
  // An application the catalog no longer has stays visible, to be changed.
  const all = value !== '' && !choices.some((choice) => choice.value === value) ? [...choices, { value, label: value }] : choices;
  return <SelectField label={t('applications.catalogApplication')} hint={t('applications.catalogApplicationHint')} value={value} onValue={onValue} choices={all} placeholder={t('applications.noCatalogApplication')} error={error} />;
}
