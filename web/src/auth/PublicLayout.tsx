import type { ReactNode } from 'react';
import { LanguageSwitch } from '../shell/LanguageSwitch';

/** The frame of the pages seen before signing in: a centred card with the language control. */
export function PublicLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="public">
      <header className="public-header">
        <div className="header-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Gatehouse</span>
        </div>
        <LanguageSwitch />
      </header>
      <main id="main" className="public-main">
        <section className="card public-card">
          <h1>{title}</h1>
          {children}
        </section>
      </main>
    </div>
  );
}
