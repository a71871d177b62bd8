import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnsavedChanges } from '../router';
import { consoleApi, send } from '../api/client';
import type { ResponseOf } from '../api/types';
import { useSession } from '../session';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { LoadState } from '../ui/LoadState';
import { Alert } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { useSubmit } from '../ui/useSubmit';

// The licence's password renewal: off, or a new password every 1 to 24 months with a reminder some
// days before; and, apart, a maximum age for API account secrets.

type RenewalSettings = ResponseOf<'/api/v1/licence/password-renewal'>;

const MONTHS = Array.from({ length: 24 }, (_, index) => index + 1);

export function PasswordRenewalSection() {
  const settings = useLoad(() => send(consoleApi.GET('/api/v1/licence/password-renewal')), []);
  return <LoadState loaded={settings}>{(data) => <PasswordRenewalForm settings={data} onSaved={settings.set} />}</LoadState>;
}

/** A setting as its field shows it: empty when none is set. */
const textOf = (value: number | null) => (value === null ? '' : String(value));

function PasswordRenewalForm({ settings, onSaved }: { settings: RenewalSettings; onSaved: (settings: RenewalSettings) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const editable = can('licence-configuration.two-factor.edit');
  const submit = useSubmit(['months', 'reminderDays', 'apiSecretMaxAgeDays']);
  const [months, setMonths] = useState(textOf(settings.months));
  const [reminderDays, setReminderDays] = useState(textOf(settings.reminderDays));
  const [apiSecretMaxAgeDays, setApiSecretMaxAgeDays] = useState(textOf(settings.apiSecretMaxAgeDays));

  useEffect(() => {
    setMonths(textOf(settings.months));
    setReminderDays(textOf(settings.reminderDays));
    setApiSecretMaxAgeDays(textOf(settings.apiSecretMaxAgeDays));
  }, [settings]);

  const unsaved = useUnsavedChanges(
    months !== textOf(settings.months) || reminderDays !== textOf(settings.reminderDays) || apiSecretMaxAgeDays !== textOf(settings.apiSecretMaxAgeDays),
  );

  // Numbers as typed: the server judges them and names the field it refuses.
  const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value.trim()));

  const save = submit.onSubmit(async () => {
    const saved = await send(
      consoleApi.PUT('/api/v1/licence/password-renewal', {
        body: { months: numberOrNull(months), reminderDays: numberOrNull(reminderDays) ?? Number.NaN, apiSecretMaxAgeDays: numberOrNull(apiSecretMaxAgeDays) },
      }),
    );
    unsaved.saved();
    onSaved(saved);
    notify(t('passwordRenewal.saved'));
  });

  return (
    <section className="card form-card" aria-labelledby="password-renewal-title">
      <h2 id="password-renewal-title">{t('passwordRenewal.title')}</h2>
      <p>{t('passwordRenewal.intro')}</p>
      <form onSubmit={save} noValidate className="form form-narrow">
        <Alert>{submit.alert}</Alert>
        <SelectField
          label={t('passwordRenewal.months')}
          value={months}
          onValue={setMonths}
          choices={[{ value: '', label: t('passwordRenewal.never') }, ...MONTHS.map((count) => ({ value: String(count), label: t('passwordRenewal.everyMonths', { count }) }))]}
          error={submit.fieldError('months')}
          disabled={!editable}
        />
        <TextField
          label={t('passwordRenewal.reminderDays')}
          type="number"
          inputMode="numeric"
          min={1}
          max={60}
          value={reminderDays}
          onValue={setReminderDays}
          error={submit.fieldError('reminderDays')}
          hint={t('passwordRenewal.reminderDaysHint')}
          required
          disabled={!editable}
        />
        <TextField
          label={t('passwordRenewal.apiSecretMaxAgeDays')}
          type="number"
          inputMode="numeric"
          min={30}
          max={730}
          value={apiSecretMaxAgeDays}
          onValue={setApiSecretMaxAgeDays}
          error={submit.fieldError('apiSecretMaxAgeDays')}
          hint={t('passwordRenewal.apiSecretMaxAgeDaysHint')}
          disabled={!editable}
        />
        <p className="muted">{t('passwordRenewal.notSubject')}</p>
        {editable ? (
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={submit.pending}>
              {t('passwordRenewal.save')}
            </button>
          </div>
        ) : (
          <p className="muted">{t('settings.readOnly')}</p>
        )}
      </form>
    </section>
  );
}
