import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { operatorApi, send } from '../api/client';
import type { EntityRef } from '../api/types';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { useSubmit } from '../ui/useSubmit';

// A licence's entities (partitions of its data) and the named groups users are given.

export function EntitiesSection({ code }: { code: string }) {
  const { t } = useTranslation();
  const entities = useLoad(() => send(operatorApi.GET('/operator/v1/licences/{code}/entities', { params: { path: { code } } })), [code]);
  const groups = useLoad(() => send(operatorApi.GET('/operator/v1/licences/{code}/entity-groups', { params: { path: { code } } })), [code]);

  return (
    <div className="columns">
      <section className="card" aria-labelledby="entities-title">
        <h2 id="entities-title">{t('operator.entities.title')}</h2>
        <LoadState loaded={entities}>
          {(list) => (
            <ul className="entity-list">
              {list.map((entity) => (
                <li key={entity.id} className="entity">
                  {entity.name} <span className="muted">({entity.code})</span>
                </li>
              ))}
            </ul>
          )}
        </LoadState>
        <EntityCreateForm
          code={code}
          onCreated={() => {
            entities.reload();
            groups.reload();
          }}
        />
      </section>
      <section className="card" aria-labelledby="groups-title">
        <h2 id="groups-title">{t('operator.groups.title')}</h2>
        <LoadState loaded={groups}>
          {(list) => (
            <ul className="group-list">
              {list.map((group) => (
                <li key={group.id}>
                  <strong>{group.name}</strong>
                  {group.singleEntity ? <span className="badge badge-neutral">{t('operator.groups.single')}</span> : null}
                  <span className="muted"> — {group.entities.map((entity) => entity.code).join(', ')}</span>
                </li>
              ))}
            </ul>
          )}
        </LoadState>
        {entities.data ? <GroupCreateForm code={code} entities={entities.data} onCreated={groups.reload} /> : null}
      </section>
    </div>
  );
}

function EntityCreateForm({ code: licenceCode, onCreated }: { code: string; onCreated: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['code', 'name'], { conflict: 'code' });
  const [entityCode, setCode] = useState('');
  const [name, setName] = useState('');
  useUnsavedChanges(entityCode !== '' || name !== '');
  const busy = problem.pending;

  const submit = problem.onSubmit(async () => {
    await send(operatorApi.POST('/operator/v1/licences/{code}/entities', { params: { path: { code: licenceCode } }, body: { code: entityCode.trim(), name } }));
    notify(t('operator.entities.created', { code: entityCode.trim() }));
    setCode('');
    setName('');
    onCreated();
  });

  return (
    <form onSubmit={submit} noValidate className="form subform" aria-labelledby="entity-create-title">
      <h3 id="entity-create-title">{t('operator.entities.add')}</h3>
      <Alert>{problem.alert}</Alert>
      <div className="form-grid">
        <TextField label={t('operator.entities.code')} value={entityCode} onValue={setCode} error={problem.fieldError('code')} required autoCapitalize="none" spellCheck={false} />
        <TextField label={t('operator.entities.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
      </div>
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('operator.entities.addSubmit')}
        </button>
      </div>
    </form>
  );
}

function GroupCreateForm({ code: licenceCode, entities, onCreated }: { code: string; entities: EntityRef[]; onCreated: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['name', 'entityIds']);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  useUnsavedChanges(name !== '' || chosen.size > 0);
  const busy = problem.pending;

  const toggle = (id: string) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const submit = problem.onSubmit(async () => {
    await send(operatorApi.POST('/operator/v1/licences/{code}/entity-groups', { params: { path: { code: licenceCode } }, body: { name, entityIds: [...chosen] } }));
    notify(t('operator.groups.created', { name }));
    setName('');
    setChosen(new Set());
    onCreated();
  });

  return (
    <form onSubmit={submit} noValidate className="form subform" aria-labelledby="group-create-title">
      <h3 id="group-create-title">{t('operator.groups.add')}</h3>
      <Alert>{problem.alert}</Alert>
      <TextField label={t('operator.groups.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
      <fieldset className="checkbox-group" aria-invalid={problem.fieldError('entityIds') ? true : undefined}>
        <legend>{t('operator.groups.entities')}</legend>
        {entities.map((entity) => (
          <label key={entity.id} className="checkbox">
            <input type="checkbox" checked={chosen.has(entity.id)} onChange={() => toggle(entity.id)} /> {entity.name} <span className="muted">({entity.code})</span>
          </label>
        ))}
        {problem.fieldError('entityIds') ? <p className="field-error">{problem.fieldError('entityIds')}</p> : null}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('operator.groups.addSubmit')}
        </button>
      </div>
    </form>
  );
}
