// The AWS regions of each partition PCM-Ops reaches: the one list admission (CEL), the zod schemas
// (console and operator) and the docs read. A new AWS region is added here; regions.test.ts fails
// when the installed AWS SDK knows a region of these partitions that this list lacks.

export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

export const REGIONS: Record<Partition, readonly string[]> = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'me-west-1',
    'mx-central-1',
    'sa-east-1',
    'sa-west-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
};

export const ALL_REGIONS: readonly string[] = PARTITIONS.flatMap((p) => REGIONS[p]);

export function isRegion(region: string): boolean {
  return ALL_REGIONS.includes(region);
}

export function regionFitsPartition(region: string, partition: Partition): boolean {
  return REGIONS[partition].includes(region);
}

const celList = (values: readonly string[]): string =>
  `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** CEL for "the regions of the partition named by `partition`", a CEL expression. */
export function partitionRegionsCel(partition: string): string {
  return `${partition} == 'aws-cn' ? ${celList(REGIONS['aws-cn'])} : (${partition} == 'aws-us-gov' ? ${celList(REGIONS['aws-us-gov'])} : ${celList(REGIONS.aws)})`;
}

export const REGION_MESSAGE =
  'must be an AWS region of aws, aws-us-gov or aws-cn, such as eu-west-1';
