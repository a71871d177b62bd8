import { useCallback, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNotify } from './feedback';
import { problemMessage, useProblem, type ProblemState } from './problems';

// The one way a form sends: pending while the request is out (a second submit is ignored), the
// problem's field errors beside their fields, and anything else — the server's own detail — in the alert.

export interface Submit extends ProblemState {
  pending: boolean;
  /** Runs the work; answers whether it succeeded (a failure is already shown). */
  run(work: () => Promise<void>): Promise<boolean>;
  /** A form's onSubmit: prevents the page load, then runs the work. */
  onSubmit(work: () => Promise<void>): (event: FormEvent) => void;
}

/**
 * @param shownFields the fields the form displays; errors on other fields go to the alert.
 * @param fieldOfCode problem codes that belong to one field, e.g. login_taken → login.
 */
export function useSubmit(shownFields: readonly string[], fieldOfCode: Record<string, string> = {}): Submit {
  const problem = useProblem(shownFields, fieldOfCode);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const { capture, clear } = problem;

  const run = useCallback(
    async (work: () => Promise<void>) => {
      if (inFlight.current) return false;
      inFlight.current = true;
      setPending(true);
      clear();
      try {
        await work();
        return true;
      } catch (error) {
        capture(error);
        return false;
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [capture, clear],
  );
  const onSubmit = useCallback(
    (work: () => Promise<void>) => (event: FormEvent) => {
      event.preventDefault();
      void run(work);
    },
    [run],
  );
  return { ...problem, pending, run, onSubmit };
}

export interface Action {
  pending: boolean;
  /** Runs a one-click action; a refusal is told in the status region with the server's own detail. */
  run(work: () => Promise<void>): Promise<boolean>;
}

/** For buttons outside forms (activate, revoke…): pending state and the refusal as a notice. */
export function useAction(): Action {
  const { t } = useTranslation();
  const notify = useNotify();
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const run = useCallback(
    async (work: () => Promise<void>) => {
      if (inFlight.current) return false;
      inFlight.current = true;
      setPending(true);
      try {
        await work();
        return true;
      } catch (error) {
        notify(problemMessage(t, error), 'error');
        return false;
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [notify, t],
  );
  return { pending, run };
}
