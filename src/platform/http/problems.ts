import { z } from 'zod';
import type { Language } from '../../core/catalog.ts';

// Every error a client can see is an RFC 9457 problem with a stable code from API.md.
// Services throw Problems; the server's error handler writes them as application/problem+json, with
// the title and detail in the language the request prefers (Accept-Language: English or French), so
// the console's French readers read why in French. A detail is therefore always given in both
// languages (a `Text`); the code, the field errors' codes and their messages stay the same for all.

/** A sentence in every language Gatehouse speaks. */
export type Text = Readonly<Record<Language, string>>;

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export const PROBLEM_TITLES = {
  validation_failed: 'The request has invalid fields',
  invalid_credentials: 'Invalid credentials',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed',
  insufficient_scope: 'The credential lacks the scope this needs',
  csrf_failed: 'Missing or wrong CSRF token',
  protected_account: 'This account is protected',
  not_found: 'Not found',
  login_taken: 'This login is already taken',
  seat_limit_reached: 'The licence has no free seat',
  users_missing_mobile: 'Some users have no mobile number',
  cannot_target_self: 'You cannot do this to your own account',
  invalid_token: 'The link is invalid or has expired',
  weak_password: 'The password is too weak',
  too_many_attempts: 'Too many attempts',
  support_access_blocked: 'Support access is blocked by the licence',
  exceeds_own_rights: 'This goes beyond your own rights',
  step_up_required: 'Confirm with your current password',
  step_up_failed: 'The confirmation is wrong',
  conflict: 'The request conflicts with the current state',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'Unsupported content type',
  invalid_cursor: 'The cursor is not valid for this list',
  cross_site_request: 'Requests from another site are not accepted',
  password_change_required: 'Choose a new password first',
  password_reused: 'This password was used recently',
  passkey_rejected: 'The passkey was refused',
  passkeys_not_allowed: 'Passkeys are turned off for this licence',
  second_factor_enrolment_required: 'Enrol a passkey or an authenticator app first',
  internal_error: 'Something went wrong on our side',
  database_unavailable: 'The database is unavailable for a moment',
} as const;

export type ProblemCode = keyof typeof PROBLEM_TITLES;

const PROBLEM_TITLES_FR: Record<ProblemCode, string> = {
  validation_failed: 'La requête a des champs non valides',
  invalid_credentials: 'Identifiants incorrects',
  unauthenticated: 'Connexion requise',
  forbidden: 'Non autorisé',
  insufficient_scope: "L'accès ne porte pas la portée requise",
  csrf_failed: 'Jeton CSRF absent ou incorrect',
  protected_account: 'Ce compte est protégé',
  not_found: 'Introuvable',
  login_taken: 'Cet identifiant est déjà pris',
  seat_limit_reached: "La licence n'a plus de place libre",
  users_missing_mobile: "Des utilisateurs n'ont pas de numéro de mobile",
  cannot_target_self: 'Vous ne pouvez pas faire cela sur votre propre compte',
  invalid_token: "Le lien n'est pas valide ou a expiré",
  weak_password: 'Le mot de passe est trop faible',
  too_many_attempts: 'Trop de tentatives',
  support_access_blocked: "L'accès du support est bloqué par la licence",
  exceeds_own_rights: 'Cela dépasse vos propres droits',
  step_up_required: 'Confirmez avec votre mot de passe actuel',
  step_up_failed: 'La confirmation est incorrecte',
  conflict: "La requête est en conflit avec l'état actuel",
  payload_too_large: 'Le corps de la requête est trop volumineux',
  unsupported_media_type: 'Type de contenu non pris en charge',
  invalid_cursor: "Le curseur n'est pas valide pour cette liste",
  cross_site_request: "Les requêtes venant d'un autre site ne sont pas acceptées",
  password_change_required: "Choisissez d'abord un nouveau mot de passe",
  password_reused: 'Ce mot de passe a été utilisé récemment',
  passkey_rejected: "La clé d'accès a été refusée",
  passkeys_not_allowed: "Les clés d'accès sont désactivées pour cette licence",
  second_factor_enrolment_required: "Enregistrez d'abord une clé d'accès ou une application d'authentification",
  internal_error: 'Une erreur est survenue de notre côté',
  database_unavailable: 'La base de données est momentanément indisponible',
};

const TITLES: Record<Language, Record<ProblemCode, string>> = { en: PROBLEM_TITLES, fr: PROBLEM_TITLES_FR };

const STATUS: Record<ProblemCode, number> = {
  validation_failed: 422,
  invalid_credentials: 401,
  unauthenticated: 401,
  forbidden: 403,
  insufficient_scope: 403,
  csrf_failed: 403,
  protected_account: 403,
  not_found: 404,
  login_taken: 409,
  seat_limit_reached: 409,
  users_missing_mobile: 409,
  cannot_target_self: 409,
  invalid_token: 400,
  weak_password: 422,
  too_many_attempts: 429,
  support_access_blocked: 403,
  exceeds_own_rights: 403,
  step_up_required: 403,
  step_up_failed: 403,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_cursor: 400,
  cross_site_request: 403,
  password_change_required: 403,
  password_reused: 422,
  passkey_rejected: 401,
  passkeys_not_allowed: 403,
  second_factor_enrolment_required: 403,
  internal_error: 500,
  database_unavailable: 503,
};

/** The problem document, once, as the OpenAPI component `Problem` every error answer refers to. */
export const problemDocument = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional().describe('What went wrong in this case, in the language the request prefers (Accept-Language: en or fr; English otherwise), as is the title'),
    code: z.enum(Object.keys(PROBLEM_TITLES) as [ProblemCode, ...ProblemCode[]]),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional().describe('For validation: each bad field'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document (application/problem+json) with a stable code' });

export class Problem extends Error {
  readonly code: ProblemCode;
  /** The detail in English: for the log, the CLI and the protocols that answer in their own format. */
  readonly detail?: string;
  /** The detail in every language, for the answer. */
  readonly details?: Text;
  readonly extensions: { errors?: FieldError[]; [key: string]: unknown };
  readonly status: number;

  constructor(code: ProblemCode, detail?: Text, extensions: { errors?: FieldError[]; [key: string]: unknown } = {}, status?: number) {
    const answered = status ?? STATUS[code];
    // A refusal (4xx) is an answer, not a fault: nothing reads where it was made, and collecting the
    // stack costs more than the rest of the request's refusal, or of an `ensure` that passes (its
    // problem is made before the check). A 5xx keeps its stack for the log.
    const stackTraceLimit = Error.stackTraceLimit;
    if (answered < 500) Error.stackTraceLimit = 0;
    try {
      super(detail?.en ?? PROBLEM_TITLES[code]);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.code = code;
    this.detail = detail?.en;
    this.details = detail;
    this.extensions = extensions;
    this.status = answered;
  }

  toBody(language: Language = 'en'): Record<string, unknown> {
    return {
      type: `https://gatehouse.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: TITLES[language][this.code],
      status: this.status,
      ...(this.details === undefined ? {} : { detail: this.details[language] }),
      code: this.code,
      ...this.extensions,
    };
  }
}

/** What a request may name and not find, and how French says it is not there. */
const NOT_FOUND = {
  user: 'Utilisateur introuvable',
  licence: 'Licence introuvable',
  'support account': 'Compte support introuvable',
  'API account': 'Compte API introuvable',
  'API account request': 'Demande de compte API introuvable',
  application: 'Application introuvable',
  'authenticator app': "Application d'authentification introuvable",
  passkey: "Clé d'accès introuvable",
  'rights configuration': 'Configuration de droits introuvable',
  'operator token': "Jeton d'opérateur introuvable",
  'provisioning token': 'Jeton de provisionnement introuvable',
  'Transfer Box item': 'Élément de la Transfer Box introuvable',
} as const;

/** The support account, kept for the vendor's staff, is never edited nor deleted. */
export const protectedAccount = () =>
  new Problem('protected_account', { en: 'The support account can only be deactivated or activated', fr: 'Le compte support peut seulement être désactivé ou activé' });

/** A sensitive change asks for the person's current password again. */
export const stepUpRequired = () =>
  new Problem('step_up_required', { en: 'Confirm this with your current password', fr: 'Confirmez cela avec votre mot de passe actuel' }, { errors: [fieldError('currentPassword', 'required', 'is required to confirm this')] });

export const loginTaken = (login: string) => new Problem('login_taken', { en: `The login "${login}" is taken in this licence`, fr: `L'identifiant « ${login} » est déjà pris dans cette licence` });

/** `notFound('user')`: "No such user", "Utilisateur introuvable". */
export const notFound = (what: keyof typeof NOT_FOUND) => new Problem('not_found', { en: `No such ${what}`, fr: NOT_FOUND[what] });
export const forbidden = (detail?: Text) => new Problem('forbidden', detail);
export const fieldError = (field: string, code: string, message: string): FieldError => ({ field, code, message });

/**
 * A refusal of one field: its code and English message in `errors` (clients translate by code), and
 * the detail naming the field in each language.
 */
export const invalidField = (field: string, code: string, message: Text) =>
  new Problem('validation_failed', { en: `${field}: ${message.en}`, fr: `${field} : ${message.fr}` }, { errors: [fieldError(field, code, message.en)] });

/** A field that names a user who is not an active user of the licence (or not of it at all). */
export const notAnActiveUser = (field: string) => invalidField(field, 'not_found', { en: 'is not an active user of this licence', fr: "n'est pas un utilisateur actif de cette licence" });

/**
 * The detail of a refusal over several fields: their English messages, and in French a lead naming
 * the fields (the messages stay English in `errors`, where clients translate them by code).
 */
export function invalidFieldsDetail(errors: readonly FieldError[], frenchLead = 'Champs refusés'): Text {
  return {
    en: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    fr: `${frenchLead} : ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
  };
}

/** A business rule in one line: `ensure(user !== null, notFound('user'))`. */
export function ensure(condition: unknown, problem: Problem): asserts condition {
  if (!condition) throw problem;
}
