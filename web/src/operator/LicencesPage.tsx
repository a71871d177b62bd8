import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import { Link, navigate, useUnsavedValues } from '../router';
import type { Language } from '../api/types';
import { currentLanguage, isLanguage } from '../i18n';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { PagedFooter } from '../ui/PagedFooter';
import { Alert } from '../ui/problems';
import { usePaged } from '../ui/usePaged';
import { joinMobile, MobileField, splitMobile } from '../users/MobileField';
import { DataTable } from '../ui/DataTable';
import { useSubmit } from '../ui/useSubmit';

// Operators' list of licences, and the form that creates one with its first admin.

export function LicencesPage() {
  const { t } = useTranslation();
  const [creating, setCreating] = useState(false);
  const paged = usePaged((cursor) => send(operatorApi.GET('/operator/v1/licences', { params: { query: { cursor } } })), []);

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('operator.licences.title')}</h1>
        {!creating ? (
          <div className="page-actions">
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              {t('operator.licences.create')}
            </button>
          </div>
        ) : null}
      </header>
      {creating ? (
        <section className="card form-card">
          <LicenceCreateForm
            onDone={(created) => {
              setCreating(false);
              if (created) navigate(`/operator/licences/${created}`);
            }}
          />
        </section>
      ) : null}
      <div className="card">
        <DataTable
          label={t('operator.nav.licences')}
          rows={paged.items}
          rowKey={(licence) => licence.id}
          columns={[
            { key: 'code', header: t('operator.licences.code'), cell: (licence) => <Link to={`/operator/licences/${licence.code}`}>{licence.code}</Link> },
            { key: 'name', header: t('operator.licences.name'), cell: (licence) => licence.name },
            { key: 'seats', header: t('operator.licences.seats'), cell: (licence) => t('users.seats', { used: licence.seatsUsed, limit: licence.seatLimit }) },
            { key: 'twoFactor', header: t('settings.twoFactor'), cell: (licence) => (licence.twoFactor ? t('settings.on') : t('settings.off')) },
          ]}
        />
        <PagedFooter paged={paged} emptyText={t('operator.licences.empty')} />
      </div>
    </section>
  );
}

const FIELDS = ['code', 'name', 'seatLimit', 'twoFactor', 'admin.login', 'admin.firstName', 'admin.lastName', 'admin.email', 'admin.language', 'admin.mobile'] as const;

function LicenceCreateForm({ onDone }: { onDone: (createdCode: string | null) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const problem = useSubmit(FIELDS, { conflict: 'code' });
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [seatLimit, setSeatLimit] = useState('10');
  const [twoFactor, setTwoFactor] = useState(false);
  const [admin, setAdmin] = useState({ login: '', firstName: '', lastName: '', email: '', language: currentLanguage() as Language });
  const [mobile, setMobile] = useState(splitMobile(null));
  const busy = problem.pending;
  const unsaved = useUnsavedValues([code, name, seatLimit, twoFactor, admin, mobile]);
  const updateAdmin = (key: keyof typeof admin, value: string) => {
    if (key === 'language' && !isLanguage(value)) return;
    setAdmin((current) => ({ ...current, [key]: value }));
  };

  const submit = problem.onSubmit(async () => {
    const adminMobile = joinMobile(mobile);
    const created = await send(operatorApi.POST('/operator/v1/licences', { body: {
      code: code.trim(),
      name,
      seatLimit: Number(seatLimit),
      twoFactor,
      admin: { ...admin, login: admin.login.trim(), ...(adminMobile === null ? {} : { mobile: adminMobile }) },
    } }));
    unsaved.saved();
    notify(t('operator.licences.created', { code: created.licence.code }));
    onDone(created.licence.code);
  });

  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="licence-create-title">
      <h2 id="licence-create-title">{t('operator.licences.createTitle')}</h2>
      <Alert>{problem.alert}</Alert>
      <fieldset>
        <legend>{t('operator.licences.licence')}</legend>
        <div className="form-grid">
          <TextField label={t('operator.licences.code')} value={code} onValue={setCode} error={problem.fieldError('code')} hint={t('operator.licences.codeHint')} required autoCapitalize="none" spellCheck={false} />
          <TextField label={t('operator.licences.name')} value={name} onValue={setName} error={problem.fieldError('name')} required />
          <TextField label={t('operator.licences.seatLimit')} type="number" min={1} value={seatLimit} onValue={setSeatLimit} error={problem.fieldError('seatLimit')} required />
          <div className="field field-checkbox">
            <label>
              <input type="checkbox" checked={twoFactor} onChange={(event) => setTwoFactor(event.target.checked)} /> {t('operator.licences.twoFactor')}
            </label>
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('operator.licences.admin')}</legend>
        <div className="form-grid">
          <TextField label={t('user.login')} value={admin.login} onValue={(value) => updateAdmin('login', value)} error={problem.fieldError('admin.login')} required autoCapitalize="none" spellCheck={false} />
          <SelectField
            label={t('user.language')}
            value={admin.language}
            onValue={(value) => updateAdmin('language', value)}
            choices={['en', 'fr'].map((language) => ({ value: language, label: t(`language.names.${language}`) }))}
            error={problem.fieldError('admin.language')}
            required
          />
          <TextField label={t('user.firstName')} value={admin.firstName} onValue={(value) => updateAdmin('firstName', value)} error={problem.fieldError('admin.firstName')} required />
          <TextField label={t('user.lastName')} value={admin.lastName} onValue={(value) => updateAdmin('lastName', value)} error={problem.fieldError('admin.lastName')} required />
          <TextField label={t('user.email')} type="email" value={admin.email} onValue={(value) => updateAdmin('email', value)} error={problem.fieldError('admin.email')} required />
          <MobileField value={mobile} onValue={setMobile} required={twoFactor} error={problem.fieldError('admin.mobile')} />
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('operator.licences.createSubmit')}
        </button>
        <button type="button" className="button" onClick={() => onDone(null)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
