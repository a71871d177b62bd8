import type { KeyboardEvent } from 'react';

// A row of tabs (WAI-ARIA tabs pattern): arrow keys move between them, the panel is labelled by the chosen one.

interface TabsProps<T extends string> {
  id: string;
  label: string;
  tabs: readonly T[];
  current: T;
  labelOf: (tab: T) => string;
  onChange: (tab: T) => void;
  className?: string;
}

export const tabId = (id: string, tab: string) => `${id}-tab-${tab}`;
export const panelId = (id: string) => `${id}-panel`;

export function Tabs<T extends string>({ id, label, tabs, current, labelOf, onChange, className }: TabsProps<T>) {
  const move = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (next === undefined) return;
    onChange(next);
    document.getElementById(tabId(id, next))?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={`tabs${className ? ` ${className}` : ''}`}>
      {tabs.map((tab, index) => (
        <button
          key={tab}
          type="button"
          role="tab"
          id={tabId(id, tab)}
          aria-selected={current === tab}
          aria-controls={panelId(id)}
          tabIndex={current === tab ? 0 : -1}
          className="tab"
          onClick={() => onChange(tab)}
          onKeyDown={(event) => move(event, index)}
        >
          {labelOf(tab)}
        </button>
      ))}
    </div>
  );
}
