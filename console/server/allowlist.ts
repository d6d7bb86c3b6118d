// Which Kubernetes API requests the console forwards. Pure: a method and the raw request path in,
// a decision out. Anything not described here is refused, so a new route is a conscious choice.
import { GROUP, KINDS, VERSION } from '@pcm-ops/crds';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What an allowed request is, so the proxy can treat Secret creation specially. */
export type Route =
  | 'pcm-list'
  | 'pcm-collection'
  | 'pcm-object'
  | 'pcm-status'
  | 'access-review'
  | 'namespace-list'
  | 'secret-create';

export type Decision =
  { allowed: true; route: Route; path: string } | { allowed: false; reason: string };

export const PCM_PLURALS: ReadonlySet<string> = new Set(KINDS.map((kind) => kind.plural));

const PCM_PREFIX = ['apis', GROUP, VERSION];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATH_CHARACTERS = /^[A-Za-z0-9._/-]*$/;
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const SECRET_REFUSAL = 'Secrets can only be created, never read, changed or deleted';
/** Kinds only the operator writes: the console reads them and nothing more. */
const READ_ONLY_PLURALS: ReadonlySet<string> = new Set(['executionbatches']);

export const isNamespaceName = (value: string): boolean => DNS_LABEL.test(value);
export const isObjectName = (value: string): boolean => DNS_SUBDOMAIN.test(value);
export const isPcmPlural = (value: string): boolean => PCM_PLURALS.has(value);

function refuse(reason: string): Decision {
  return { allowed: false, reason };
}

/** Refuses paths that could mean something else after decoding or normalisation. */
function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'the path must start with /';
  if (path.includes('%')) return 'percent-encoded characters are not accepted in the path';
  if (!PATH_CHARACTERS.test(path)) return 'the path holds characters outside [A-Za-z0-9._/-]';
  if (path.includes('//')) return 'empty path segments (//) are not accepted';
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'dot segments are not accepted';
  return undefined;
}

const PLACEHOLDERS: Record<string, (segment: string) => boolean> = {
  '{plural}': isPcmPlural,
  '{namespace}': isNamespaceName,
  '{name}': isObjectName,
};

interface Rule {
  route: Route;
  pattern: string[];
  methods: Method[];
  /** Why another method on the same path is refused. */
  otherwise: string;
}

const NAMESPACED = [...PCM_PREFIX, 'namespaces', '{namespace}', '{plural}'];

/** Everything the console forwards. Placeholders match only valid names and PCM-Ops plurals. */
export const RULES: readonly Rule[] = [
  {
    route: 'pcm-list',
    pattern: [...PCM_PREFIX, '{plural}'],
    methods: ['GET'],
    otherwise: 'a cluster-wide list can only be read',
  },
  {
    route: 'pcm-collection',
    pattern: NAMESPACED,
    methods: ['GET', 'POST'],
    otherwise: 'a collection can only be listed or added to',
  },
  {
    route: 'pcm-object',
    pattern: [...NAMESPACED, '{name}'],
    methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
    otherwise: 'an object can be read, replaced, patched or deleted',
  },
  {
    route: 'pcm-status',
    pattern: [...NAMESPACED, '{name}', 'status'],
    methods: ['GET'],
    otherwise: 'the status subresource is read-only here',
  },
  {
    route: 'access-review',
    pattern: ['apis', 'authorization.k8s.io', 'v1', 'selfsubjectaccessreviews'],
    methods: ['POST'],
    otherwise: 'access reviews can only be created',
  },
  {
    route: 'namespace-list',
    pattern: ['api', 'v1', 'namespaces'],
    methods: ['GET'],
    otherwise: 'namespaces can only be listed',
  },
  {
    route: 'secret-create',
    pattern: ['api', 'v1', 'namespaces', '{namespace}', 'secrets'],
    methods: ['POST'],
    otherwise: SECRET_REFUSAL,
  },
];

function matches(pattern: string[], segments: string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((part, index) => {
    const segment = segments[index] ?? '';
    const check = PLACEHOLDERS[part];
    return check ? check(segment) : segment === part;
  });
}

/** The reason for a path no rule describes, as specific as the path allows. */
function unknownPathReason(segments: string[]): string {
  if (segments.includes('secrets')) return SECRET_REFUSAL;
  const underPcm = PCM_PREFIX.every((part, index) => segments[index] === part);
  if (underPcm) {
    return `not a PCM-Ops resource path: expected /${PCM_PREFIX.join('/')}/[namespaces/{namespace}/]{plural}[/{name}[/status]] with plural one of ${[...PCM_PLURALS].join(', ')}`;
  }
  return 'the path is not a PCM-Ops resource, an access review, the namespace list or a Secret creation';
}

/** The PCM-Ops plural a matched path names, in a namespace or across all. */
function pluralOf(segments: string[]): string | undefined {
  return segments[3] === 'namespaces' ? segments[5] : segments[3];
}

/**
 * Decides whether `method` on the API server `path` (without query, not decoded) may pass.
 * The returned path is exactly the one checked, so nothing is normalised after the decision.
 */
export function decide(method: string, path: string): Decision {
  const upper = method.toUpperCase() as Method;
  if (!METHODS.has(upper)) return refuse(`method ${upper} is not proxied`);
  const problem = pathProblem(path);
  if (problem) return refuse(problem);
  const segments = path.slice(1).split('/');
  const rule = RULES.find((candidate) => matches(candidate.pattern, segments));
  if (!rule) return refuse(unknownPathReason(segments));
  if (!rule.methods.includes(upper)) return refuse(`${upper} refused: ${rule.otherwise}`);
  const plural = rule.route.startsWith('pcm-') ? pluralOf(segments) : undefined;
  if (upper !== 'GET' && plural && READ_ONLY_PLURALS.has(plural)) {
    return refuse(`${upper} refused: ${plural} are written by the operator and only read here`);
  }
  return { allowed: true, route: rule.route, path };
}

/** Query parameters a proxied request may carry; `watch` is served by /events instead. */
export const ALLOWED_QUERY = new Set([
  'labelSelector',
  'fieldSelector',
  'limit',
  'continue',
  'resourceVersion',
  'resourceVersionMatch',
  'dryRun',
  'fieldManager',
  'fieldValidation',
  'force',
  'propagationPolicy',
  'gracePeriodSeconds',
]);

/** Refuses unknown query parameters; returns the reason or undefined when all are known. */
export function queryProblem(query: URLSearchParams): string | undefined {
  for (const key of query.keys()) {
    if (!ALLOWED_QUERY.has(key)) return `query parameter ${key} is not proxied`;
  }
  return undefined;
}
