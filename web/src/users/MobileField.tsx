import { AsYouType, getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Field } from '../ui/fields';

// A mobile number as a country and a national number, sent in E.164 (+33612345678). Every country of
// libphonenumber-js's metadata is offered, in a list the person can search by name or prefix; the number
// is shown in the country's national format as it is typed.

export interface MobileParts {
  country: CountryCode;
  number: string;
}

const DEFAULT_COUNTRY: CountryCode = 'FR';
const COUNTRIES = getCountries();

/** A stored E.164 number as its country and its national format. */
export function splitMobile(mobile: string | null): MobileParts {
  if (!mobile) return { country: DEFAULT_COUNTRY, number: '' };
  const parsed = parsePhoneNumberFromString(mobile);
  if (parsed?.country === undefined) return { country: DEFAULT_COUNTRY, number: mobile };
  return { country: parsed.country, number: parsed.formatNational() };
}

/** E.164, or null when left empty; a number typed whole with "+" or "00" keeps its own prefix. */
export function joinMobile({ country, number }: MobileParts): string | null {
  const typed = number.trim();
  if (typed === '') return null;
  const international = typed.startsWith('00') ? `+${typed.slice(2)}` : typed;
  const parsed = parsePhoneNumberFromString(international, country);
  return parsed ? parsed.number : international.replace(/[\s.\-()]/g, '');
}

/** Why the typed number cannot be sent (not a number of the chosen country), or undefined. */
export function mobileProblem(t: TFunction, language: string, { country, number }: MobileParts): string | undefined {
  const typed = number.trim();
  if (typed === '') return undefined;
  const international = typed.startsWith('00') ? `+${typed.slice(2)}` : typed;
  const parsed = parsePhoneNumberFromString(international, country);
  const name = countryName(language, country);
  if (parsed === undefined || !parsed.isValid()) return t('user.mobileInvalid', { country: name });
  if (parsed.country !== undefined && parsed.country !== country) {
    return t('user.mobileOtherCountry', { country: name, other: countryName(language, parsed.country) });
  }
  return undefined;
}

function countryName(language: string, country: CountryCode): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region' }).of(country) ?? country;
  } catch {
    return country;
  }
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
  const countryId = useId();
  const searchId = useId();
  const [search, setSearch] = useState('');
  const countries = useMemo(() => {
    const names = new Intl.DisplayNames([i18n.language], { type: 'region' });
    return COUNTRIES.map((country) => ({ country, label: `${names.of(country) ?? country} (+${getCountryCallingCode(country)})` })).sort((a, b) =>
      a.label.localeCompare(b.label, i18n.language),
    );
  }, [i18n.language]);
  const needle = search.trim().toLocaleLowerCase(i18n.language).replace(/^\+/, '');
  // The chosen country stays in the list whatever the search, so the select never shows a blank.
  const shown = needle === '' ? countries : countries.filter((choice) => choice.country === value.country || choice.label.toLocaleLowerCase(i18n.language).includes(needle));

  const chooseCountry = (country: CountryCode) => onValue({ country, number: value.number === '' ? '' : new AsYouType(country).input(value.number) });
  const typeNumber = (typed: string) => {
    // Formats as typed, except while deleting: reformatting would put back what was just erased.
    const formatted = typed.length > value.number.length ? new AsYouType(value.country).input(typed) : typed;
    onValue({ ...value, number: formatted });
  };

  return (
    <Field label={t('user.mobile')} error={error} required={required} hint={hint ?? (required ? t('user.mobileRequiredHint') : t('user.mobileHint'))} className="mobile-field">
      {(control) => (
        <div className="mobile-input">
          <div className="small-field mobile-search">
            <label htmlFor={searchId} className="small-label">
              {t('user.mobileCountrySearch')}
            </label>
            <input id={searchId} type="search" value={search} onChange={(event) => setSearch(event.target.value)} autoComplete="off" />
          </div>
          <div className="small-field mobile-country">
            <label htmlFor={countryId} className="small-label">
              {t('user.mobileCountry')}
            </label>
            <select id={countryId} value={value.country} onChange={(event) => chooseCountry(event.target.value as CountryCode)}>
              {shown.map((choice) => (
                <option key={choice.country} value={choice.country}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          <input {...control} className="mobile-number" type="tel" autoComplete="tel-national" value={value.number} onChange={(event) => typeNumber(event.target.value)} />
        </div>
      )}
    </Field>
  );
}
