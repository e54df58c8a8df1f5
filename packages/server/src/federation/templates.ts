import {
  GITHUB_ACTIONS_ISSUER,
  GITLAB_COM_ISSUER,
  type CreateTrustPolicyRequest,
  type TrustPolicyTemplate,
} from '@patina/contract';
import { illegalValue } from '../core/errors.js';
import type { TrustConditions } from '../storage/trust-policies-repository.js';

type Parameters = NonNullable<CreateTrustPolicyRequest['templateParameters']>;

/** What a template fills in: the platform's issuer and the conditions that pin one workload. */
export interface TemplateFill {
  issuer: string;
  conditions: TrustConditions;
}

/**
 * The built-in templates (docs/federation.md): GitHub Actions pins `repository` and `sub`
 * (`repo:<owner>/<name>:…`), GitLab CI `project_path`, Kubernetes the service account's `sub`
 * (`system:serviceaccount:<namespace>:<name>`). Optional ref and environment narrow further.
 */
export function fillTemplate(template: TrustPolicyTemplate, p: Parameters): TemplateFill {
  const allowed = ALLOWED[template];
  for (const name of Object.keys(p)) {
    if (!allowed.includes(name as keyof Parameters)) {
      throw illegalValue(
        `templateParameters.${name}`,
        `'templateParameters.${name}' is not a parameter of the ${template} template (it takes ${ALLOWED[template].join(', ')})`,
      );
    }
  }
  switch (template) {
    case 'github-actions': {
      const repository = need(p, 'repository', template);
      if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
        throw illegalValue(
          'templateParameters.repository',
          "'templateParameters.repository' must be owner/name, e.g. acme/payments",
        );
      }
      return {
        issuer: GITHUB_ACTIONS_ISSUER,
        conditions: {
          repository,
          sub: `repo:${repository}:*`,
          ...(p.ref !== undefined && { ref: p.ref }),
          ...(p.environment !== undefined && { environment: p.environment }),
        },
      };
    }
    case 'gitlab-ci': {
      const projectPath = need(p, 'projectPath', template);
      if (!/^[\w.-]+(\/[\w.-]+)+$/.test(projectPath)) {
        throw illegalValue(
          'templateParameters.projectPath',
          "'templateParameters.projectPath' must be a group/project path, e.g. acme/payments, without * or ?",
        );
      }
      return {
        issuer: p.issuer ?? GITLAB_COM_ISSUER,
        conditions: {
          project_path: projectPath,
          ...(p.ref !== undefined && { ref: p.ref }),
          ...(p.environment !== undefined && { environment: p.environment }),
        },
      };
    }
    case 'kubernetes': {
      const issuer = need(p, 'issuer', template);
      const namespace = need(p, 'namespace', template);
      const serviceAccount = need(p, 'serviceAccount', template);
      for (const [name, value] of [
        ['namespace', namespace],
        ['serviceAccount', serviceAccount],
      ] as const) {
        if (/[*?:]/.test(value)) {
          throw illegalValue(
            `templateParameters.${name}`,
            `'templateParameters.${name}' must be a plain name, without * ? or :`,
          );
        }
      }
      return {
        issuer,
        conditions: { sub: `system:serviceaccount:${namespace}:${serviceAccount}` },
      };
    }
  }
}

const ALLOWED: Record<TrustPolicyTemplate, (keyof Parameters)[]> = {
  'github-actions': ['repository', 'ref', 'environment'],
  'gitlab-ci': ['projectPath', 'issuer', 'ref', 'environment'],
  kubernetes: ['issuer', 'namespace', 'serviceAccount'],
};

function need(p: Parameters, name: keyof Parameters, template: TrustPolicyTemplate): string {
  const value = p[name];
  if (value === undefined) {
    throw illegalValue(
      `templateParameters.${name}`,
      `'templateParameters.${name}' is required by the ${template} template`,
    );
  }
  return value;
}
