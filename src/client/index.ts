// A small typed client for the platform's other TypeScript services: asks Gatehouse whether users may
// do things, in batches. It depends on nothing but fetch.
//
//   const gatehouse = new GatehouseClient({ baseUrl: 'https://gatehouse.internal', token: process.env.GATEHOUSE_TOKEN! });
//   const [decision] = await gatehouse.authorize([{ licence: 'acme', login: 'grace', permission: 'email-campaigns.campaigns.launch', entity: 'main' }]);

export type DecisionReason =
  | 'ok'
  | 'unknown_user'
  | 'inactive_user'
  | 'unknown_permission'
  | 'not_in_configuration'
  | 'application_not_subscribed'
  | 'entity_not_in_group';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
}

/** A user named by id or by login, in a licence named by its code; entity by id or code. */
export type Check = { licence: string; permission: string; entity?: string } & ({ userId: string; login?: never } | { login: string; userId?: never });

export class GatehouseError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; errors?: { field: string; code: string; message: string }[] },
  ) {
    super(`Gatehouse answered ${status}${problem.code ? ` ${problem.code}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

export const MAX_CHECKS_PER_CALL = 1000;

export class GatehouseClient {
  private readonly baseUrl: string;

  /**
   * `language`: the language of the errors' `detail` (Gatehouse answers English or French, sent as
   * `Accept-Language`); English when none is given. Codes and fields are the same in both.
   */
  constructor(private readonly options: { baseUrl: string; token: string; language?: 'en' | 'fr'; fetch?: typeof fetch }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Answers the checks in order; more than 1,000 are sent in several calls. */
  async authorize(checks: readonly Check[]): Promise<Decision[]> {
    const results: Decision[] = [];
    for (let i = 0; i < checks.length; i += MAX_CHECKS_PER_CALL) {
      const answer = await this.post<{ results: Decision[] }>('/operator/v1/authorize', { checks: checks.slice(i, i + MAX_CHECKS_PER_CALL) });
      results.push(...answer.results);
    }
    return results;
  }

  /** One check: is it allowed? */
  async isAllowed(check: Check): Promise<boolean> {
    const [decision] = await this.authorize([check]);
    return decision?.allowed ?? false;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await (this.options.fetch ?? fetch)(this.baseUrl + path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.token}`,
        'content-type': 'application/json',
        ...(this.options.language === undefined ? {} : { 'accept-language': this.options.language }),
      },
      body: JSON.stringify(body),
    });
    const payload: unknown = await response.json().catch(() => ({}));
    if (!response.ok) throw new GatehouseError(response.status, payload as GatehouseError['problem']);
    return payload as T;
  }
}
