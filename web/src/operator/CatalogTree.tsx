import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { localized } from '../format';
import type { Catalog } from '../api/types';

// The permission catalog as a tree to tick: categories → applications → steps. Ticking a category or
// an application ticks every step under it; a partly ticked node shows as mixed.

interface CatalogTreeProps {
  catalog: Catalog;
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
}

function TriStateCheckbox({ checked, mixed, label, onToggle }: { checked: boolean; mixed: boolean; label: string; onToggle: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (box.current) box.current.indeterminate = mixed;
  }, [mixed]);
  return (
    <label className="checkbox">
      <input ref={box} type="checkbox" checked={checked} aria-checked={mixed ? 'mixed' : checked} onChange={onToggle} /> {label}
    </label>
  );
}

export function CatalogTree({ catalog, selected, onChange }: CatalogTreeProps) {
  const { t, i18n } = useTranslation();
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(catalog.categories.map((category) => category.key)));

  const setSteps = (steps: string[], on: boolean) => {
    const next = new Set(selected);
    for (const step of steps) {
      if (on) next.add(step);
      else next.delete(step);
    }
    onChange(next);
  };
  const stateOf = (steps: string[]) => {
    const ticked = steps.filter((step) => selected.has(step)).length;
    return { checked: steps.length > 0 && ticked === steps.length, mixed: ticked > 0 && ticked < steps.length };
  };
  const toggleExpanded = (key: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <ul className="catalog-tree">
      {catalog.categories.map((category) => {
        const categorySteps = category.applications.flatMap((application) => application.steps.map((step) => step.key));
        const categoryState = stateOf(categorySteps);
        const open = expanded.has(category.key);
        const name = localized(category.name, i18n.language);
        return (
          <li key={category.key}>
            <div className="tree-row">
              <button type="button" className="tree-toggle" aria-expanded={open} onClick={() => toggleExpanded(category.key)} aria-label={open ? t('operator.catalog.collapse', { name }) : t('operator.catalog.expand', { name })}>
                <span aria-hidden="true">{open ? '▾' : '▸'}</span>
              </button>
              <TriStateCheckbox label={name} checked={categoryState.checked} mixed={categoryState.mixed} onToggle={() => setSteps(categorySteps, !categoryState.checked)} />
            </div>
            {open ? (
              <ul>
                {category.applications.map((application) => {
                  const steps = application.steps.map((step) => step.key);
                  const state = stateOf(steps);
                  return (
                    <li key={application.key}>
                      <div className="tree-row">
                        <TriStateCheckbox label={localized(application.name, i18n.language)} checked={state.checked} mixed={state.mixed} onToggle={() => setSteps(steps, !state.checked)} />
                      </div>
                      <ul className="tree-steps">
                        {application.steps.map((step) => (
                          <li key={step.key}>
                            <label className="checkbox">
                              <input type="checkbox" checked={selected.has(step.key)} onChange={() => setSteps([step.key], !selected.has(step.key))} /> {localized(step.name, i18n.language)}
                            </label>
                          </li>
                        ))}
                      </ul>
                    </li>
                  );
                })}
              </ul>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
