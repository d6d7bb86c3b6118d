export const PCM = '/apis/pcm-ops.io/v1alpha1';

export const executionHref = (namespace: string, name: string): string =>
  `/aws/executions/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const phaseClass = (phase: string): string => `phase phase-${phase.toLowerCase()}`;
