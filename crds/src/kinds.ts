import type { KindDefinition, PrinterColumn } from './crd.js';
import { CloudCredentialSchema } from './cloud-credential.js';
import { ScriptSchema } from './script.js';
import { EXECUTION_NAME_MAX, ScriptExecutionSchema } from './script-execution.js';
import { ExecutionBatchSchema } from './execution-batch.js';
import { HostInventorySchema } from './host-inventory.js';

function condition(type: string, name = type): PrinterColumn {
  return {
    name,
    type: 'string',
    jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
    description: `Status of the ${type} condition.`,
  };
}

const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

export const CLOUD_CREDENTIAL: KindDefinition = {
  kind: 'CloudCredential',
  plural: 'cloudcredentials',
  singular: 'cloudcredential',
  shortNames: ['cc'],
  schema: CloudCredentialSchema,
  printerColumns: [
    {
      name: 'Account',
      type: 'string',
      jsonPath: '.status.scope',
      description: 'Where it acts: the account id STS reported, or the HostInventory.',
    },
    {
      name: 'Provider',
      type: 'string',
      jsonPath: '.spec.provider',
      description: 'aws or ssh.',
    },
    condition('Ready'),
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      description: 'Why the credential is or is not ready.',
    },
    {
      name: 'Partition',
      type: 'string',
      jsonPath: '.spec.aws.partition',
      description: 'AWS partition.',
      priority: 1,
    },
    {
      name: 'ARN',
      type: 'string',
      jsonPath: '.status.arn',
      description: 'Identity STS reported.',
      priority: 1,
    },
    age,
  ],
};

export const SCRIPT: KindDefinition = {
  kind: 'Script',
  plural: 'scripts',
  singular: 'script',
  shortNames: ['scr'],
  schema: ScriptSchema,
  printerColumns: [
    {
      name: 'Interpreter',
      type: 'string',
      jsonPath: '.spec.interpreter',
      description: 'Interpreter.',
    },
    {
      name: 'Description',
      type: 'string',
      jsonPath: '.spec.description',
      description: 'What the script does.',
      priority: 1,
    },
    age,
  ],
};

export const SCRIPT_EXECUTION: KindDefinition = {
  kind: 'ScriptExecution',
  plural: 'scriptexecutions',
  singular: 'scriptexecution',
  shortNames: ['se'],
  schema: ScriptExecutionSchema,
  maxNameLength: EXECUTION_NAME_MAX,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Phase of the run.' },
    {
      name: 'Progress',
      type: 'string',
      jsonPath: '.status.progress',
      description: 'Finished over all targets.',
    },
    {
      name: 'Succeeded',
      type: 'integer',
      jsonPath: '.status.counts.succeeded',
      description: 'Targets that succeeded.',
    },
    {
      name: 'Failed',
      type: 'integer',
      jsonPath: '.status.counts.failed',
      description: 'Targets that failed.',
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.reason',
      description: 'Why it is in its phase, or what holds it.',
    },
    {
      name: 'Script',
      type: 'string',
      jsonPath: '.spec.scriptRef.name',
      description: 'The Script run.',
      priority: 1,
    },
    {
      name: 'Change',
      type: 'string',
      jsonPath: '.spec.changeRef',
      description: 'Change ticket.',
      priority: 1,
    },
    age,
  ],
};

export const EXECUTION_BATCH: KindDefinition = {
  kind: 'ExecutionBatch',
  plural: 'executionbatches',
  singular: 'executionbatch',
  shortNames: ['eb'],
  schema: ExecutionBatchSchema,
  printerColumns: [
    {
      name: 'Execution',
      type: 'string',
      jsonPath: '.spec.executionName',
      description: 'Owning execution.',
    },
    { name: 'Account', type: 'string', jsonPath: '.spec.accountId', description: 'Account.' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region', description: 'Region.' },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Phase of the batch.',
    },
    {
      name: 'Command',
      type: 'string',
      jsonPath: '.status.commandId',
      description: 'SSM command id.',
    },
    age,
  ],
};

export const HOST_INVENTORY: KindDefinition = {
  kind: 'HostInventory',
  plural: 'hostinventories',
  singular: 'hostinventory',
  shortNames: ['hinv'],
  schema: HostInventorySchema,
  printerColumns: [condition('Ready'), age],
};

export const KINDS: readonly KindDefinition[] = [
  CLOUD_CREDENTIAL,
  SCRIPT,
  SCRIPT_EXECUTION,
  EXECUTION_BATCH,
  HOST_INVENTORY,
];
