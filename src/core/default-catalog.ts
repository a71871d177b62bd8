import type { Catalog, CatalogApplication, CatalogStep, LocalizedName } from './catalog.ts';

// The platform's applications as shipped. Operators release new ones with PUT /operator/v1/catalog;
// this is only the catalog a new installation starts from.

type StepSpec = [segment: string, en: string, fr: string, tags?: string[]];

const name = (en: string, fr: string): LocalizedName => ({ en, fr });

function application(key: string, en: string, fr: string, tags: string[], steps: StepSpec[]): CatalogApplication {
  return {
    key,
    name: name(en, fr),
    tags,
    steps: steps.map(([segment, stepEn, stepFr, stepTags = []]): CatalogStep => ({
      key: `${key}.${segment}`,
      name: name(stepEn, stepFr),
      tags: stepTags,
    })),
  };
}

const VIEW: StepSpec = ['view', 'View', 'Consulter'];
const CREATE: StepSpec = ['create', 'Create', 'Créer'];
const EDIT: StepSpec = ['edit', 'Edit', 'Modifier'];
const DELETE: StepSpec = ['delete', 'Delete', 'Supprimer'];

export const DEFAULT_CATALOG: Catalog = {
  categories: [
    {
      key: 'profiles',
      name: name('Profiles & data', 'Profils et données'),
      tags: [],
      applications: [
        application('profiles.profile-tables', 'Profile tables', 'Tables de profils', [], [
          VIEW,
          EDIT,
          ['structure', 'Change the structure', 'Modifier la structure', ['structure-change']],
        ]),
        application('profiles.custom-data-tables', 'Custom data tables', 'Tables de données personnalisées', [], [
          VIEW,
          EDIT,
          ['structure', 'Change the structure', 'Modifier la structure', ['structure-change']],
        ]),
        application('profiles.mass-imports', 'Mass imports', 'Imports de masse', ['mass-import'], [
          VIEW,
          ['launch', 'Launch an import', 'Lancer un import'],
        ]),
        application('profiles.data-exports', 'Data exports', 'Exports de données', ['exports-data'], [
          VIEW,
          ['launch', 'Launch an export', 'Lancer un export'],
        ]),
      ],
    },
    {
      key: 'targeting',
      name: name('Targeting', 'Ciblage'),
      tags: [],
      applications: [
        application('targeting.ad-hoc-targeting', 'Ad hoc targeting', 'Ciblage ponctuel', [], [
          VIEW,
          ['count', 'Count a target', 'Compter une cible'],
        ]),
        application('targeting.saved-targetings', 'Saved targetings', 'Ciblages enregistrés', ['saved-targeting'], [
          VIEW,
          CREATE,
          EDIT,
          DELETE,
        ]),
      ],
    },
    {
      key: 'email-campaigns',
      name: name('E-mail campaigns', 'Campagnes e-mail'),
      tags: [],
      applications: [
        application('email-campaigns.campaigns', 'E-mail campaigns', 'Campagnes e-mail', [], [
          VIEW,
          CREATE,
          ['edit-draft', 'Edit a draft', 'Modifier un brouillon'],
          ['test', 'Send a test', 'Envoyer un test'],
          ['launch', 'Launch', 'Lancer', ['sends-campaign']],
        ]),
        application('email-campaigns.html-library', 'HTML module library', 'Bibliothèque de modules HTML', ['html-library'], [
          VIEW,
          EDIT,
        ]),
        application('email-campaigns.testing-groups', 'Testing groups', 'Groupes de test', ['testing-groups'], [VIEW, EDIT]),
      ],
    },
    {
      key: 'sms-campaigns',
      name: name('SMS campaigns', 'Campagnes SMS'),
      tags: [],
      applications: [
        application('sms-campaigns.campaigns', 'SMS campaigns', 'Campagnes SMS', [], [
          VIEW,
          CREATE,
          ['edit-draft', 'Edit a draft', 'Modifier un brouillon'],
          ['test', 'Send a test', 'Envoyer un test'],
          ['launch', 'Launch', 'Lancer', ['sends-campaign']],
        ]),
      ],
    },
    {
      key: 'scenarios',
      name: name('Scenarios', 'Scénarios'),
      tags: [],
      applications: [
        application('scenarios.scenarios', 'Scenarios', 'Scénarios', [], [
          VIEW,
          CREATE,
          EDIT,
          ['activate', 'Activate', 'Activer', ['sends-campaign']],
        ]),
      ],
    },
    {
      key: 'forms',
      name: name('Forms', 'Formulaires'),
      tags: [],
      applications: [
        application('forms.forms', 'Forms', 'Formulaires', [], [VIEW, CREATE, EDIT, ['publish', 'Publish', 'Publier']]),
      ],
    },
    {
      key: 'reporting',
      name: name('Reporting & statistics', 'Rapports et statistiques'),
      tags: ['reporting'],
      applications: [
        application('reporting.campaign-statistics', 'Campaign statistics', 'Statistiques des campagnes', [], [VIEW]),
        application('reporting.dashboards', 'Dashboards', 'Tableaux de bord', [], [VIEW, EDIT]),
      ],
    },
    {
      key: 'transfer-box',
      name: name('Transfer Box', 'Transfer Box'),
      tags: ['transfer-box'],
      applications: [
        application('transfer-box.inbox', 'Transfer Box', 'Transfer Box', [], [
          ['read', 'Read my items', 'Lire mes éléments'],
          ['send', 'Send items', 'Envoyer des éléments'],
        ]),
      ],
    },
    {
      key: 'licence-configuration',
      name: name('Licence configuration', 'Configuration de la licence'),
      tags: ['user-management'],
      applications: [
        application('licence-configuration.users', 'Users', 'Utilisateurs', [], [
          VIEW,
          CREATE,
          EDIT,
          ['deactivate', 'Deactivate and activate', 'Désactiver et activer'],
          DELETE,
          ['reset-password', 'Reset passwords', 'Réinitialiser les mots de passe'],
        ]),
        application('licence-configuration.api-users', 'API users', 'Utilisateurs API', [], [
          VIEW,
          ['request', 'Request an API account', 'Demander un compte API'],
          ['deactivate', 'Deactivate and activate', 'Désactiver et activer'],
        ]),
        application('licence-configuration.licence-accesses', 'Licence accesses', 'Accès à la licence', [], [VIEW]),
        application('licence-configuration.audit-trail', 'Audit trail', "Journal d'audit", [], [VIEW]),
        application('licence-configuration.two-factor', 'Two-factor authentication', 'Double authentification', [], [
          VIEW,
          EDIT,
        ]),
      ],
    },
  ],
};
