import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import { confirmLeaving, Link } from '../router';
import { LoadState } from '../ui/LoadState';
import { panelId, tabId, Tabs } from '../ui/Tabs';
import { useLoad } from '../ui/useLoad';
import { ApiAccountsSection } from './ApiAccountsSection';
import { ConfigurationsSection } from './ConfigurationsSection';
import { EntitiesSection } from './EntitiesSection';
import { LicenceEditForm } from './LicenceEditForm';
import { SupportVisitSection } from './SupportVisitSection';
import { UsersSection } from './UsersSection';

// One licence as operators set it up: its name, seats, applications and two-factor switch; its entities
// and groups, tailor-made configurations, users, API accounts and support visits.

const SECTIONS = ['entities', 'configurations', 'users', 'apiAccounts', 'support'] as const;
type Section = (typeof SECTIONS)[number];

export function LicencePage({ code }: { code: string }) {
  const { t } = useTranslation();
  const licence = useLoad(() => send(operatorApi.GET('/operator/v1/licences/{code}', { params: { path: { code } } })), [code]);
  const [section, setSection] = useState<Section>('entities');
  // Another section drops what a form of this one holds: asked like leaving the page.
  const changeSection = (next: Section) => {
    if (confirmLeaving()) setSection(next);
  };
  const [editing, setEditing] = useState(false);

  return (
    <section className="page">
      <p className="breadcrumb">
        <Link to="/operator">{t('operator.nav.licences')}</Link> <span aria-hidden="true">/</span> {code}
      </p>
      <LoadState loaded={licence}>
        {(data) => (
          <>
            <header className="page-header">
              <h1>
                {data.name} <span className="muted">({data.code})</span>
              </h1>
              {!editing ? (
                <div className="page-actions">
                  <button type="button" className="button" onClick={() => setEditing(true)}>
                    {t('operator.licenceEdit.open')}
                  </button>
                </div>
              ) : null}
            </header>
            {editing ? (
              <section className="card form-card">
                <LicenceEditForm
                  licence={data}
                  onDone={(saved) => {
                    setEditing(false);
                    if (saved) licence.set({ ...data, ...saved });
                  }}
                />
              </section>
            ) : (
              <dl className="details details-inline card">
                <dt>{t('operator.licences.seats')}</dt>
                <dd>{t('users.seats', { used: data.seatsUsed, limit: data.seatLimit })}</dd>
                <dt>{t('settings.twoFactor')}</dt>
                <dd>{data.twoFactor ? t('settings.on') : t('settings.off')}</dd>
                <dt>{t('operator.licences.applications')}</dt>
                <dd>{data.applications.length}</dd>
              </dl>
            )}
            <Tabs id="licence" label={t('operator.licence.sections')} tabs={SECTIONS} current={section} labelOf={(candidate) => t(`operator.licence.${candidate}`)} onChange={changeSection} className="tabs-page" />
            <div id={panelId('licence')} role="tabpanel" aria-labelledby={tabId('licence', section)}>
              {section === 'entities' ? <EntitiesSection code={data.code} /> : null}
              {section === 'configurations' ? <ConfigurationsSection licence={data} /> : null}
              {section === 'users' ? <UsersSection licence={data} onChanged={licence.reload} /> : null}
              {section === 'apiAccounts' ? <ApiAccountsSection code={data.code} /> : null}
              {section === 'support' ? <SupportVisitSection code={data.code} /> : null}
            </div>
          </>
        )}
      </LoadState>
    </section>
  );
}
