import type { FieldError } from './problems.ts';

// Turns schema issues into the API's field errors: one entry per bad field, with a stable code.

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (path !== '') return path;
  return context === 'body' ? 'body' : (context ?? 'request');
}

export function fieldErrorsOf(issues: readonly SchemaIssue[], context: string | undefined): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const field = fieldName(context, issue.instancePath);
    const params = issue.params;
    switch (issue.keyword) {
      case 'unrecognized_keys':
        return ((params.keys as string[] | undefined) ?? []).map((key) => ({
          field: field === 'body' || field === context ? key : `${field}.${key}`,
          code: 'unknown_field',
          message: 'is not a known field',
        }));
      case 'invalid_type':
        // Zod does not echo the input back; its message says whether the field was missing.
        return /received undefined/.test(issue.message ?? '')
          ? [{ field, code: 'required', message: 'is required' }]
          : [{ field, code: 'invalid_type', message: `must be ${String(params.expected)}` }];
      case 'too_small':
        return params.origin === 'string' && params.minimum === 1
          ? [{ field, code: 'required', message: 'must not be empty' }]
          : [{ field, code: params.origin === 'string' ? 'too_short' : 'too_small', message: `must be at least ${String(params.minimum)}${params.origin === 'string' ? ' characters' : ''}` }];
      case 'too_big':
        return [{ field, code: params.origin === 'string' ? 'too_long' : 'too_large', message: `must be at most ${String(params.maximum)}${params.origin === 'string' ? ' characters' : ''}` }];
      case 'invalid_value':
        return [{ field, code: 'invalid_value', message: `must be one of ${((params.values as unknown[]) ?? []).join(', ')}` }];
      case 'invalid_format':
        return [{ field, code: 'invalid_format', message: issue.message ?? 'has the wrong format' }];
      case 'custom': {
        const code = typeof params.params === 'object' && params.params !== null ? (params.params as { code?: string }).code : undefined;
        return [{ field, code: code ?? 'invalid', message: issue.message ?? 'is invalid' }];
      }
      default:
        return [{ field, code: 'invalid', message: issue.message ?? 'is invalid' }];
    }
  });
}
