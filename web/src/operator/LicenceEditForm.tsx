import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, operatorApi, send } from '../api/client';
import { localized } from '../format';
import { useUnsavedChanges } from '../router';
import { sameSet } from '../sets';
import type { Catalog, OperatorLicence, RequestOf } from '../api/types';

type LicenceChanges = RequestOf<'/operator/v1/licences/{code}', 'patch'>;
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert, fieldErrorMessage, useProblem, usersMissingMobile, type UserMissingMobile } from '../ui/problems';
import { useLoad } from '../ui/useLoad';

// Changes a licence: its name, seat limit, subscribed applications (ticked by category) and two-factor
// switch. Only what changed is sent, so an untouched field never trips a rule it did not concern.

const FIELDS = ['name', 'seatLimit', 'twoFactor', 'applications'] as const;


interface LicenceEditFormProps {
  licence: OperatorLicence;
  onDone: (saved: OperatorLicence | null) => void;
}

export function LicenceEditForm({ licence, onDone }: LicenceEditFormProps) {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const catalog = useLoad(() => send(operatorApi.GET('/operator/v1/catalog')), []);
  const problem = useProblem(FIELDS);
  const [name, setName] = useState(licence.name);
  const [seatLimit, setSeatLimit] = useState(String(licence.seatLimit));
  const [twoFactor, setTwoFactor] = useState(licence.twoFactor);
  const [applications, setApplications] = useState<Set<string>>(() => new Set(licence.applications));
  // Errors the server gave on single applications (`applications.N`), by application key.
  const [applicationErrors, setApplicationErrors] = useState<Record<string, string>>({});
  const [missingMobiles, setMissingMobiles] = useState<UserMissingMobile[]>([]);
  const [busy, setBusy] = useState(false);
  // A seat limit below the seats in use waits for a confirmation that says what it means.
  const [pendingBelow, setPendingBelow] = useState<{ body: Record<string, unknown>; sentApplications: string[] } | null>(null);

  const toggle = (key: string) =>
    setApplications((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const changes = (sentApplications: string[]): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    if (name !== licence.name) body.name = name;
    const limit = seatLimit.trim() === '' ? null : Number(seatLimit);
    if (limit !== licence.seatLimit) body.seatLimit = limit;
    if (twoFactor !== licence.twoFactor) body.twoFactor = twoFactor;
    if (!sameSet(licence.applications, applications)) body.applications = sentApplications;
    return body;
  };
  const unsaved = useUnsavedChanges(Object.keys(changes([...applications])).length > 0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    problem.clear();
    setApplicationErrors({});
    setMissingMobiles([]);
    const sentApplications = [...applications];
    const body = changes(sentApplications);
    if (Object.keys(body).length === 0) {
      notify(t('operator.licenceEdit.unchanged'), 'info');
      onDone(null);
      return;
    }
    // Only a limit the server would take: a malformed one gets the server's own error beside the field.
    if (typeof body.seatLimit === 'number' && Number.isInteger(body.seatLimit) && body.seatLimit >= 1 && body.seatLimit < licence.seatsUsed) {
      setPendingBelow({ body, sentApplications });
      return;
    }
    await save(body, sentApplications);
  };

  const save = async (body: Record<string, unknown>, sentApplications: string[]) => {
    setBusy(true);
    try {
      const saved = await send(operatorApi.PATCH('/operator/v1/licences/{code}', { params: { path: { code: licence.code } }, body: body as LicenceChanges }));
      unsaved.saved();
      notify(t('operator.licenceEdit.saved', { code: licence.code }));
      onDone(saved);
    } catch (error) {
      const missing = usersMissingMobile(error);
      if (missing.length > 0) {
        setMissingMobiles(missing);
        return;
      }
      if (error instanceof ApiError) {
        // `applications.3` names the fourth application sent: its error goes beside that application.
        const byApplication: Record<string, string> = {};
        const rest = error.fieldErrors.filter((fieldError) => {
          const index = /^applications\.(\d+)$/.exec(fieldError.field)?.[1];
          const key = index === undefined ? undefined : sentApplications[Number(index)];
          if (key === undefined) return true;
          byApplication[key] ??= fieldErrorMessage(t, fieldError.code, fieldError.message);
          return false;
        });
        setApplicationErrors(byApplication);
        problem.capture(new ApiError(error.status, { ...error.problem, errors: rest }));
      } else {
        problem.capture(error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form onSubmit={submit} noValidate className="form" aria-labelledby="licence-edit-title">
        <h2 id="licence-edit-title">{t('operator.licenceEdit.title', { code: licence.code })}</h2>
        <Alert>{problem.alert}</Alert>
        {missingMobiles.length > 0 ? (
          <Alert>
            <p>{t('operator.licenceEdit.usersMissingMobile', { count: missingMobiles.length })}</p>
            <ul className="inline-list">
              {missingMobiles.map((user) => (
                <li key={user.id}>{user.login}</li>
              ))}
            </ul>
          </Alert>
        ) : null}
        <div className="form-grid">
          <TextField label={t('operator.licences.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
          <TextField label={t('operator.licences.seatLimit')} type="number" min={1} value={seatLimit} onValue={setSeatLimit} error={problem.fieldError('seatLimit')} hint={t('operator.licenceEdit.seatsUsed', { count: licence.seatsUsed })} required />
          <div className={`field field-checkbox${problem.fieldError('twoFactor') ? ' field-invalid' : ''}`}>
            <label>
              <input type="checkbox" checked={twoFactor} onChange={(event) => setTwoFactor(event.target.checked)} aria-describedby="licence-edit-two-factor-hint" /> {t('operator.licences.twoFactor')}
            </label>
            <p className="field-hint" id="licence-edit-two-factor-hint">
              {t('operator.licenceEdit.twoFactorHint')}
            </p>
            {problem.fieldError('twoFactor') ? <p className="field-error">{problem.fieldError('twoFactor')}</p> : null}
          </div>
        </div>
        <fieldset>
          <legend>
            {t('operator.licences.applications')} <span className="muted">{t('operator.licenceEdit.applicationCount', { count: applications.size })}</span>
          </legend>
          {problem.fieldError('applications') ? <p className="field-error">{problem.fieldError('applications')}</p> : null}
          <LoadState loaded={catalog}>
            {(data) => <ApplicationChoices catalog={data} selected={applications} errors={applicationErrors} onToggle={toggle} language={i18n.language} />}
          </LoadState>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('common.save')}
          </button>
          <button type="button" className="button" onClick={() => onDone(null)}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={pendingBelow !== null}
        title={t('operator.licenceEdit.belowTitle', { limit: seatLimit, used: licence.seatsUsed })}
        confirmLabel={t('operator.licenceEdit.belowConfirm')}
        onConfirm={async () => {
          const pending = pendingBelow;
          setPendingBelow(null);
          if (pending !== null) await save(pending.body, pending.sentApplications);
        }}
        onCancel={() => setPendingBelow(null)}
      >
        <p>{t('operator.licenceEdit.belowBody', { limit: seatLimit, used: licence.seatsUsed })}</p>
      </ConfirmDialog>
    </>
  );
}

interface ApplicationChoicesProps {
  catalog: Catalog;
  selected: ReadonlySet<string>;
  errors: Record<string, string>;
  onToggle: (key: string) => void;
  language: string;
}

/** One group of checkboxes per catalog category; a subscribed application the catalog no longer has is listed apart, to untick. */
function ApplicationChoices({ catalog, selected, errors, onToggle, language }: ApplicationChoicesProps) {
  const { t } = useTranslation();
  const known = new Set(catalog.categories.flatMap((category) => category.applications.map((application) => application.key)));
  const unknown = [...selected].filter((key) => !known.has(key));
  const groups = [
    ...catalog.categories.map((category) => ({ key: category.key, name: localized(category.name, language), applications: category.applications.map((application) => ({ key: application.key, name: localized(application.name, language) })) })),
    ...(unknown.length > 0 ? [{ key: '__unknown', name: t('operator.licenceEdit.notInCatalog'), applications: unknown.map((key) => ({ key, name: key })) }] : []),
  ];
  return (
    <div className="application-groups">
      {groups.map((group) => (
        <fieldset key={group.key} className="checkbox-group">
          <legend>{group.name}</legend>
          {group.applications.map((application) => {
            const error = errors[application.key];
            const errorId = `application-error-${application.key}`;
            return (
              <div key={application.key} className={error ? 'field-invalid' : undefined}>
                <label className="checkbox">
                  <input type="checkbox" checked={selected.has(application.key)} onChange={() => onToggle(application.key)} aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined} />{' '}
                  {application.name}
                </label>
                {error ? (
                  <p className="field-error" id={errorId}>
                    {error}
                  </p>
                ) : null}
              </div>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}
