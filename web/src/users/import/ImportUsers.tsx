import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError, consoleApi, send } from '../../api/client';
import type { paths } from '../../api/schema';
import { Link, useUnsavedChanges } from '../../router';
import { DataTable } from '../../ui/DataTable';
import { Field } from '../../ui/fields';
import { Alert, problemMessage } from '../../ui/problems';

// Importing users from a CSV file: choose the file, see what each row would do (the dry run), then
// import every row in one go. The server refuses the whole file when any row is refused, so the
// import button waits for a file without refusals.

type Report = paths['/api/v1/users/import']['post']['responses'][200]['content']['application/json'];
type Row = Report['rows'][number];
type Reason = Row['errors'][number];

/** The file as the server reads it: its own bytes (the server checks the encoding), as text/csv. */
const importFile = (file: File, dryRun: boolean) =>
  send(
    consoleApi.POST('/api/v1/users/import', {
      params: { query: { dryRun: String(dryRun) } },
      // The typed client expects text; the file goes as it is, so a wrong encoding is told, not hidden.
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'Content-Type': 'text/csv' },
    }),
  );

/** A reason in the reader's language: the column, then what is wrong with it. */
export function reasonText(t: TFunction, reason: Reason): string {
  const column = t(`userImport.columns.${reason.field}`, { defaultValue: reason.field });
  return `${column}: ${t(`userImport.codes.${reason.code}`, { defaultValue: reason.message })}`;
}

/** A refused file (encoding, columns, size…): what the reader can fix, in their language. */
function fileProblem(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'payload_too_large') return t('userImport.tooLarge');
    const missing = error.fieldErrors.filter((e) => e.code === 'missing_column').map((e) => e.field);
    if (missing.length > 0) return t('userImport.missingColumns', { columns: missing.join(', ') });
    const [fileError] = error.fieldErrors.filter((e) => e.field === 'file');
    if (fileError !== undefined) return t(`userImport.codes.${fileError.code}`, { defaultValue: fileError.message });
  }
  return problemMessage(t, error);
}

/** The rows of a 422 answer to the import itself: a row was refused meanwhile. */
function reportOf(error: unknown): Report | null {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.rows)) return null;
  return { rows: error.problem.rows as Row[], summary: error.problem.summary as Report['summary'] };
}

export function ImportUsers({ onImported }: { onImported: () => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<number | null>(null);
  const [pending, setPending] = useState(false);
  // A file chosen and not imported yet.
  const unsaved = useUnsavedChanges(file !== null && created === null);

  const run = async (work: () => Promise<void>) => {
    setPending(true);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      const refused = reportOf(error);
      if (refused !== null) setReport(refused);
      else setProblem(fileProblem(t, error));
    } finally {
      setPending(false);
    }
  };

  const check = (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return setProblem(t('userImport.chooseFirst'));
    setReport(null);
    setCreated(null);
    void run(async () => setReport(await importFile(file, true)));
  };

  const apply = () => {
    if (file === null) return;
    void run(async () => {
      const answer = await importFile(file, false);
      unsaved.saved();
      setCreated('created' in answer ? answer.created : answer.summary.create);
      setReport(null);
      onImported();
    });
  };

  const toCreate = report?.summary.create ?? 0;
  const refused = report?.summary.refused ?? 0;

  return (
    <section className="card user-import" aria-labelledby="user-import-title">
      <h2 id="user-import-title">{t('userImport.title')}</h2>
      <p className="muted">{t('userImport.intro')}</p>
      <p className="muted">
        <code>login, firstName, lastName, email, mobile, language, gender, configuration, entityGroup, defaultEntity</code>
      </p>
      <form onSubmit={check} className="form">
        <Field label={t('userImport.file')} hint={t('userImport.fileHint')} required>
          {(control) => (
            <input
              {...control}
              type="file"
              accept=".csv,text/csv"
              onChange={(event) => {
                setFile(event.target.files?.[0] ?? null);
                setReport(null);
                setCreated(null);
                setProblem(null);
              }}
            />
          )}
        </Field>
        <button type="submit" className="button" disabled={pending}>
          {t('userImport.check')}
        </button>
      </form>
      <Alert>{problem}</Alert>
      {created !== null ? (
        <Alert tone="success">
          <p>{t('userImport.done', { count: created })}</p>
          <p>
            <Link to="/users">{t('userImport.backToUsers')}</Link>
          </p>
        </Alert>
      ) : null}
      {report !== null ? (
        <>
          <p role="status">{t('userImport.summary', { create: toCreate, refused })}</p>
          {refused > 0 ? <p className="muted">{t('userImport.fixRefused')}</p> : null}
          <DataTable<Row>
            label={t('userImport.rowsLabel')}
            rows={report.rows}
            rowKey={(row) => String(row.line)}
            columns={[
              { key: 'line', header: t('userImport.line'), cell: (row) => row.line },
              { key: 'login', header: t('userImport.columns.login'), cell: (row) => row.login },
              {
                key: 'outcome',
                header: t('userImport.outcome'),
                cell: (row) => <span className={`badge ${row.outcome === 'create' ? 'badge-success' : 'badge-warning'}`}>{t(`userImport.outcomes.${row.outcome}`)}</span>,
              },
              {
                key: 'reasons',
                header: t('userImport.reasons'),
                cell: (row) =>
                  row.errors.length === 0 ? null : (
                    <ul className="import-reasons">
                      {row.errors.map((reason) => (
                        <li key={`${reason.field}-${reason.code}`}>{reasonText(t, reason)}</li>
                      ))}
                    </ul>
                  ),
              },
            ]}
          />
          <div className="form-actions">
            <button type="button" className="button button-primary" onClick={apply} disabled={pending || refused > 0 || toCreate === 0}>
              {t('userImport.apply', { count: toCreate })}
            </button>
            <Link to="/users" className="button">
              {t('common.cancel')}
            </Link>
          </div>
        </>
      ) : null}
    </section>
  );
}
