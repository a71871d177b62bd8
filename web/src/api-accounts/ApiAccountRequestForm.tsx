import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, consoleApi, send } from '../api/client';
import type { RequestOf, User } from '../api/types';
import { fullName } from '../format';
import { useUnsavedValues } from '../router';
import { joinMobile, MobileField, splitMobile, type MobileParts } from '../users/MobileField';
import { useNotify } from '../ui/feedback';
import { SelectField, TextField } from '../ui/fields';
import { Alert, fieldErrorMessage } from '../ui/problems';
import { useSubmit } from '../ui/useSubmit';
import { useDebounced } from '../ui/useLoad';
import './api-accounts.css';

// A licence admin asks the vendor for an API account. The holder is a console user, named by id (so
// nobody can slip in a look-alike by e-mail), or someone outside the console. Before sending, the form
// shows how the password will be delivered, as the server will decide it: to the holder's Transfer Box
// only when they can open it, by SMS otherwise.

const FIELDS = ['login', 'holder.userId', 'holder.firstName', 'holder.lastName', 'holder.email', 'holder.mobile'] as const;
const PREVIEW_DELAY_MS = 300;

/** Logins that say what they are for are easier to audit (the help page's advice; the server's rule). */
export const SERVICE_LOGIN = /ws|webservice/i;

export type Delivery = 'transfer-box' | 'sms';
type HolderKind = 'user' | 'outside';
type AccountRequestBody = RequestOf<'/api/v1/api-account-requests', 'post'>;
type Holder = AccountRequestBody['holder'];

/** What the preview says: the delivery, or why it cannot be told yet. */
type Preview = { state: 'unknown' } | { state: 'pending' } | { state: 'known'; delivery: Delivery } | { state: 'refused'; message: string };

export function ApiAccountRequestForm({ holderUserId, onDone }: { holderUserId: string | null; onDone: (filed: boolean) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [login, setLogin] = useState('');
  const [kind, setKind] = useState<HolderKind>('user');
  const [userId, setUserId] = useState(holderUserId ?? '');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');
  const [mobile, setMobile] = useState<MobileParts>(splitMobile(null));
  const kindName = useId();
  const unsaved = useUnsavedValues([login, kind, userId, firstName, lastName, email, mobile]);

  const holder: Holder | null = kind === 'user' ? (userId === '' ? null : { userId }) : outsideHolder(firstName, lastName, email, mobile);
  const body = { login: login.trim(), holder };
  const preview = useDeliveryPreview(login.trim() === '' || holder === null ? null : (body as { login: string; holder: Holder }));
  const showAdvice = login.trim() !== '' && !SERVICE_LOGIN.test(login);

  const submit = useSubmit(FIELDS);
  const fileRequest = submit.onSubmit(async () => {
    // A console holder is named by id: the form asks for the choice rather than sending an empty one.
    if (kind === 'user' && userId === '') throw new ApiError(422, { code: 'validation_failed', errors: [{ field: 'holder.userId', code: 'required', message: t('apiAccounts.holderRequired') }] });
    await send(consoleApi.POST('/api/v1/api-account-requests', { body: { login: login.trim(), holder: holder ?? outsideHolder(firstName, lastName, email, mobile) ?? { firstName, lastName, email } } }));
    unsaved.saved();
    notify(t('apiAccounts.requestFiled', { login: login.trim() }));
    onDone(true);
  });

  return (
    <form onSubmit={fileRequest} noValidate className="form" aria-labelledby="api-request-title">
      <h2 id="api-request-title">{t('apiAccounts.requestTitle')}</h2>
      <p className="muted">{t('apiAccounts.requestIntro')}</p>
      <Alert>{submit.alert}</Alert>
      <div className="form-grid">
        <TextField
          label={t('apiAccounts.login')}
          value={login}
          onValue={setLogin}
          error={submit.fieldError('login')}
          hint={t('apiAccounts.loginHint')}
          required
          autoCapitalize="none"
          spellCheck={false}
        />
        <div className="ws-advice-slot">
          {/* Shown while the login is typed, before anything is sent: the help page's advice. */}
          <p className={showAdvice ? 'alert alert-info ws-advice' : 'ws-advice-empty'} role="status">
            {showAdvice ? t('apiAccounts.wsAdvice') : ''}
          </p>
        </div>
      </div>
      <fieldset className="holder-kind">
        <legend>{t('apiAccounts.holderKind')}</legend>
        {(['user', 'outside'] as const).map((choice) => (
          <label key={choice} className="radio">
            <input type="radio" name={kindName} value={choice} checked={kind === choice} onChange={() => setKind(choice)} />{' '}
            {choice === 'user' ? t('apiAccounts.holderConsoleUser') : t('apiAccounts.holderOutside')}
          </label>
        ))}
      </fieldset>
      {kind === 'user' ? (
        <HolderPicker userId={userId} onUserId={setUserId} error={submit.fieldError('holder.userId')} />
      ) : (
        <div className="form-grid">
          <TextField label={t('user.firstName')} value={firstName} onValue={setFirstName} error={submit.fieldError('holder.firstName')} required />
          <TextField label={t('user.lastName')} value={lastName} onValue={setLastName} error={submit.fieldError('holder.lastName')} required />
          <TextField label={t('user.email')} type="email" value={email} onValue={setEmail} error={submit.fieldError('holder.email')} required />
          <MobileField value={mobile} onValue={setMobile} required error={submit.fieldError('holder.mobile')} hint={t('apiAccounts.mobileHint')} />
        </div>
      )}
      <DeliveryLine preview={preview} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={submit.pending}>
          {t('apiAccounts.requestSubmit')}
        </button>
        <button type="button" className="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function outsideHolder(firstName: string, lastName: string, email: string, mobile: MobileParts): Holder | null {
  if (firstName.trim() === '' || lastName.trim() === '' || email.trim() === '') return null;
  const holderMobile = joinMobile(mobile);
  return { firstName, lastName, email, ...(holderMobile === null ? {} : { mobile: holderMobile }) };
}

/** Asks the server, after a pause in typing, how the password of this request would be delivered. */
function useDeliveryPreview(body: { login: string; holder: Holder } | null): Preview {
  const { t } = useTranslation();
  const key = useDebounced(body === null ? null : JSON.stringify(body), PREVIEW_DELAY_MS);
  const [preview, setPreview] = useState<Preview>({ state: 'unknown' });
  useEffect(() => {
    if (key === null) {
      setPreview({ state: 'unknown' });
      return;
    }
    let current = true;
    setPreview({ state: 'pending' });
    send(consoleApi.POST('/api/v1/api-account-requests/preview', { body: JSON.parse(key) as AccountRequestBody }))
      .then((answer) => {
        if (current) setPreview({ state: 'known', delivery: answer.delivery });
      })
      .catch((error: unknown) => {
        if (!current) return;
        // Only the holder's part matters here; a taken login is said when the request is sent.
        const holderError = error instanceof ApiError ? error.fieldErrors.find((fieldError) => fieldError.field.startsWith('holder')) : undefined;
        if (holderError?.code === 'required_for_sms_delivery') setPreview({ state: 'refused', message: `${t('apiAccounts.deliverySms')} ${fieldErrorMessage(t, holderError.code, holderError.message)}` });
        else if (holderError !== undefined) setPreview({ state: 'refused', message: fieldErrorMessage(t, holderError.code, holderError.message) });
        else setPreview({ state: 'unknown' });
      });
    return () => {
      current = false;
    };
  }, [key, t]);
  return preview;
}

function DeliveryLine({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  const text =
    preview.state === 'known'
      ? preview.delivery === 'transfer-box'
        ? t('apiAccounts.deliveryTransferBox')
        : t('apiAccounts.deliverySms')
      : preview.state === 'refused'
        ? preview.message
        : preview.state === 'pending'
          ? t('apiAccounts.deliveryPending')
          : t('apiAccounts.deliveryUnknown');
  const tone = preview.state === 'refused' ? 'delivery-refused' : preview.state === 'known' ? 'delivery-known' : 'delivery-waiting';
  return (
    <section className={`delivery ${tone}`} aria-labelledby="api-request-delivery">
      <h3 id="api-request-delivery">{t('apiAccounts.delivery')}</h3>
      <p role="status" data-delivery={preview.state === 'known' ? preview.delivery : undefined}>
        {text}
      </p>
    </section>
  );
}

/** Finds the holder among the licence's active users, by a search the server runs. */
function HolderPicker({ userId, onUserId, error }: { userId: string; onUserId: (id: string) => void; error: string | undefined }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), PREVIEW_DELAY_MS);
  const [found, setFound] = useState<User[]>([]);
  const [chosen, setChosen] = useState<User | null>(null);

  useEffect(() => {
    let current = true;
    send(consoleApi.GET('/api/v1/users', { params: { query: { status: 'active', limit: 50, q } } }))
      .then((page) => {
        if (current) setFound(page.items.filter((user) => !user.internal));
      })
      .catch(() => {
        if (current) setFound([]);
      });
    return () => {
      current = false;
    };
  }, [q]);

  // A holder given by the address (?request=<user id>) is shown even when the search does not list it.
  useEffect(() => {
    if (userId === '' || chosen?.id === userId) return;
    const listed = found.find((user) => user.id === userId);
    if (listed !== undefined) {
      setChosen(listed);
      return;
    }
    let current = true;
    send(consoleApi.GET('/api/v1/users/{id}', { params: { path: { id: userId } } }))
      .then((user) => {
        if (current) setChosen(user);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [userId, found, chosen]);

  const choices = [...(chosen !== null && !found.some((user) => user.id === chosen.id) ? [chosen] : []), ...found].map((user) => ({
    value: user.id,
    label: `${fullName(user)} (${user.login}) · ${user.email}`,
  }));

  return (
    <div className="form-grid">
      <TextField label={t('apiAccounts.holderSearch')} type="search" value={search} onValue={setSearch} placeholder={t('apiAccounts.holderSearchPlaceholder')} autoCapitalize="none" spellCheck={false} />
      <SelectField
        label={t('apiAccounts.holderUser')}
        value={userId}
        onValue={onUserId}
        choices={choices}
        placeholder={choices.length === 0 ? t('apiAccounts.holderNoMatch') : t('common.choose')}
        error={error}
        required
      />
    </div>
  );
}
