import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import type { Catalog, OperatorLicence, RightsConfiguration } from '../api/types';
import { useUnsavedChanges } from '../router';
import { sameSet } from '../sets';
import { useNotify } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { CatalogTree } from './CatalogTree';
import { DataTable } from '../ui/DataTable';
import { useSubmit } from '../ui/useSubmit';
import { configurationName } from '../format';

// A licence's rights configurations. Tailor-made ones are lists of steps frozen when saved: an
// application released later joins them only when an operator updates them here.

/** The catalog cut down to the applications the licence subscribes. */
function subscribedCatalog(catalog: Catalog, applications: string[]): Catalog {
  const subscribed = new Set(applications);
  return {
    categories: catalog.categories
      .map((category) => ({ ...category, applications: category.applications.filter((application) => subscribed.has(application.key)) }))
      .filter((category) => category.applications.length > 0),
  };
}

export function ConfigurationsSection({ licence }: { licence: OperatorLicence }) {
  const { t } = useTranslation();
  const code = licence.code;
  const configurations = useLoad(() => send(operatorApi.GET('/operator/v1/licences/{code}/rights-configurations', { params: { path: { code } } })), [code]);
  const catalog = useLoad(() => send(operatorApi.GET('/operator/v1/catalog')), []);
  const [editing, setEditing] = useState<RightsConfiguration | 'new' | null>(null);

  return (
    <section className="card" aria-labelledby="configurations-title">
      <div className="section-header">
        <h2 id="configurations-title">{t('operator.configurations.title')}</h2>
        {editing === null ? (
          <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
            {t('operator.configurations.create')}
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <LoadState loaded={catalog}>
          {(data) => (
            <CustomConfigurationForm
              code={code}
              catalog={subscribedCatalog(data, licence.applications)}
              configuration={editing === 'new' ? null : editing}
              onDone={(saved) => {
                setEditing(null);
                if (saved) configurations.reload();
              }}
            />
          )}
        </LoadState>
      ) : null}
      <LoadState loaded={configurations}>
        {(list) => (
          <DataTable
            label={t('operator.configurations.title')}
            rows={list}
            rowKey={(configuration) => configuration.id}
            columns={[
              { key: 'name', header: t('operator.configurations.name'), cell: (configuration) => configurationName(t, configuration) },
              { key: 'kind', header: t('operator.configurations.kind'), cell: (configuration) => t(`operator.configurations.kinds.${configuration.kind}`) },
              { key: 'applications', header: t('operator.configurations.applications'), cell: (configuration) => configuration.applications.length },
              {
                key: 'actions',
                header: t('common.actions'),
                hiddenHeader: true,
                className: 'actions-cell',
                cell: (configuration) =>
                  configuration.kind === 'custom' ? (
                    <button type="button" className="button button-small" onClick={() => setEditing(configuration)}>
                      {t('common.edit')}
                      <span className="visually-hidden"> {configuration.name}</span>
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </LoadState>
    </section>
  );
}

interface CustomConfigurationFormProps {
  code: string;
  catalog: Catalog;
  configuration: RightsConfiguration | null;
  onDone: (saved: boolean) => void;
}

function CustomConfigurationForm({ code, catalog, configuration, onDone }: CustomConfigurationFormProps) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(['name', 'permissions']);
  const [name, setName] = useState(configuration?.name ?? '');
  const [steps, setSteps] = useState<Set<string>>(() => new Set(configuration?.steps ?? []));
  const busy = problem.pending;
  const unsaved = useUnsavedChanges(name !== (configuration?.name ?? '') || !sameSet(configuration?.steps ?? [], steps));

  const submit = problem.onSubmit(async () => {
    const body = { name, permissions: [...steps] };
    if (configuration === null) await send(operatorApi.POST('/operator/v1/licences/{code}/rights-configurations', { params: { path: { code } }, body }));
    else await send(operatorApi.PUT('/operator/v1/licences/{code}/rights-configurations/{id}', { params: { path: { code, id: configuration.id } }, body }));
    unsaved.saved();
    notify(t('operator.configurations.saved', { name }));
    onDone(true);
  });

  return (
    <form onSubmit={submit} noValidate className="form subform" aria-labelledby="configuration-form-title">
      <h3 id="configuration-form-title">{configuration === null ? t('operator.configurations.createTitle') : t('operator.configurations.editTitle', { name: configuration.name })}</h3>
      <Alert>{problem.alert}</Alert>
      <TextField label={t('operator.configurations.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
      <fieldset>
        <legend>
          {t('operator.configurations.permissions')} <span className="muted">{t('operator.configurations.stepCount', { count: steps.size })}</span>
        </legend>
        {problem.fieldError('permissions') ? <p className="field-error">{problem.fieldError('permissions')}</p> : null}
        <CatalogTree catalog={catalog} selected={steps} onChange={setSteps} />
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" className="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
