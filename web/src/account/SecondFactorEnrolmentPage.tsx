import { useTranslation } from 'react-i18next';
import { PasskeysSection } from './PasskeysSection';
import { TwoFactorSection } from './TwoFactorSection';
import './account.css';

// What an administrator sees while their licence requires a passkey or an authenticator app of
// administrators and they hold neither: the server serves them nothing else until they enrol one, so
// the console shows only the two ways to do it (the rest of the console comes back at once after).

export function SecondFactorEnrolmentPage() {
  const { t } = useTranslation();
  return (
    <section className="page account-page">
      <header className="page-header">
        <h1>{t('passkeys.enrolmentRequiredTitle')}</h1>
      </header>
      <div className="notice" role="note">
        {t('passkeys.enrolmentRequiredBody')}
      </div>
      <PasskeysSection />
      <TwoFactorSection />
    </section>
  );
}
