import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import fr from './fr.json';
import type { Language } from '../api/types';

// Both languages ship in the first load: they are a few kilobytes and the sign-in page needs one at once.

export const LANGUAGES: readonly Language[] = ['en', 'fr'];
const STORAGE_KEY = 'gatehouse.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

function rememberedLanguage(): Language | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : null;
  } catch {
    return null;
  }
}

function browserLanguage(): Language {
  const preferred = navigator.language.slice(0, 2).toLowerCase();
  return isLanguage(preferred) ? preferred : 'en';
}

export function hasRememberedLanguage(): boolean {
  return rememberedLanguage() !== null;
}

/** Switches the console's language and remembers it for the next visit. */
export function changeLanguage(language: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Private modes may refuse storage; the switch still applies to this visit.
  }
  void i18next.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

i18next.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: fr } },
  lng: rememberedLanguage() ?? browserLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18next;
