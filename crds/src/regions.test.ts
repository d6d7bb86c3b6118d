import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CloudCredentialSchema } from './cloud-credential.js';
import { PARTITIONS, REGIONS, isRegion, regionFitsPartition } from './regions.js';

// The AWS SDK's own table of partitions and their regions (what its endpoint resolver reads).
const SDK_PARTITIONS = path.join(
  import.meta.dirname,
  '../../node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js',
);

interface SdkPartition {
  id: string;
  regions: Record<string, unknown>;
}

describe('the region list', () => {
  it('holds exactly the regions the installed AWS SDK knows in each partition', async () => {
    const { partitionsInfo } = (await import(pathToFileURL(SDK_PARTITIONS).href)) as {
      partitionsInfo: { partitions: SdkPartition[] };
    };
    for (const partition of PARTITIONS) {
      const sdk = partitionsInfo.partitions.find((p) => p.id === partition)!;
      const regions = Object.keys(sdk.regions).filter((r) => !r.endsWith('-global'));
      expect([...REGIONS[partition]].sort(), partition).toEqual(regions.sort());
    }
  });

  it('puts each region in one partition', () => {
    expect(regionFitsPartition('cn-north-1', 'aws-cn')).toBe(true);
    expect(regionFitsPartition('cn-north-1', 'aws')).toBe(false);
    expect(regionFitsPartition('us-gov-west-1', 'aws')).toBe(false);
    expect(regionFitsPartition('us-gov-west-1', 'aws-us-gov')).toBe(true);
    expect(isRegion('eu-west-1')).toBe(true);
    expect(isRegion('eu-mars-1')).toBe(false);
  });

  it('is what a credential’s regions are checked against, with the field named', () => {
    const credential = (regions: string[], partition = 'aws') => ({
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'CloudCredential',
      metadata: { name: 'c' },
      spec: {
        aws: {
          partition,
          defaultRegion: partition === 'aws-cn' ? 'cn-north-1' : 'eu-west-1',
          regions,
          source: { secretRef: { name: 'keys' } },
        },
      },
    });
    expect(CloudCredentialSchema.safeParse(credential(['eu-west-1', 'us-east-2'])).success).toBe(
      true,
    );
    expect(CloudCredentialSchema.safeParse(credential(['cn-northwest-1'], 'aws-cn')).success).toBe(
      true,
    );
    const wrong = CloudCredentialSchema.safeParse(credential(['eu-west-1', 'cn-north-1']));
    expect(wrong.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['spec.aws.regions', 'regions must all be regions of the credential’s partition'],
    ]);
  });
});
