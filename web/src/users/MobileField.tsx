import { useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../ui/fields';

// A mobile number as an international prefix and a national number, sent in E.164 (+33612345678).

interface CallingCode {
  region: string;
  prefix: string;
}

// The customers' usual countries first; any other number can still be typed whole with its "+".
const CALLING_CODES: CallingCode[] = [
  { region: 'FR', prefix: '+33' },
  { region: 'BE', prefix: '+32' },
  { region: 'CH', prefix: '+41' },
  { region: 'LU', prefix: '+352' },
  { region: 'MC', prefix: '+377' },
  { region: 'CA', prefix: '+1' },
  { region: 'GB', prefix: '+44' },
  { region: 'IE', prefix: '+353' },
  { region: 'DE', prefix: '+49' },
  { region: 'ES', prefix: '+34' },
  { region: 'IT', prefix: '+39' },
  { region: 'NL', prefix: '+31' },
  { region: 'PT', prefix: '+351' },
  { region: 'MA', prefix: '+212' },
  { region: 'TN', prefix: '+216' },
  { region: 'SN', prefix: '+221' },
];

export interface MobileParts {
  prefix: string;
  number: string;
}

/** Splits a stored E.164 number on the longest known prefix. */
export function splitMobile(mobile: string | null): MobileParts {
  if (!mobile) return { prefix: '+33', number: '' };
  const known = [...CALLING_CODES].sort((a, b) => b.prefix.length - a.prefix.length).find((code) => mobile.startsWith(code.prefix));
  return known ? { prefix: known.prefix, number: mobile.slice(known.prefix.length) } : { prefix: '', number: mobile };
}

/** Joins the parts to E.164: spaces, dots and the national leading 0 go; a number typed with "+" stands alone. */
export function joinMobile({ prefix, number }: MobileParts): string | null {
  const digits = number.replace(/[\s.\-()]/g, '');
  if (digits === '') return null;
  if (digits.startsWith('+')) return digits;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  return `${prefix}${digits.replace(/^0/, '')}`;
}

interface MobileFieldProps {
  value: MobileParts;
  onValue: (value: MobileParts) => void;
  required: boolean;
  error: string | undefined;
  hint?: string;
}

export function MobileField({ value, onValue, required, error, hint }: MobileFieldProps) {
  const { t, i18n } = useTranslation();
  const prefixId = useId();
  const regionNames = useMemo(() => new Intl.DisplayNames([i18n.language], { type: 'region' }), [i18n.language]);
  const choices = CALLING_CODES.map((code) => ({ value: code.prefix, label: `${code.prefix} ${regionNames.of(code.region) ?? code.region}`, key: code.region }));
  return (
    <Field label={t('user.mobile')} error={error} required={required} hint={hint ?? (required ? t('user.mobileRequiredHint') : t('user.mobileHint'))}>
      {(control) => (
        <div className="mobile-input">
          <label htmlFor={prefixId} className="visually-hidden">
            {t('user.mobilePrefix')}
          </label>
          <select id={prefixId} value={value.prefix} onChange={(event) => onValue({ ...value, prefix: event.target.value })}>
            {value.prefix === '' ? <option value="">{t('user.mobileOtherPrefix')}</option> : null}
            {choices.map((choice) => (
              <option key={choice.key} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
          <input {...control} type="tel" autoComplete="tel-national" value={value.number} onChange={(event) => onValue({ ...value, number: event.target.value })} />
        </div>
      )}
    </Field>
  );
}
