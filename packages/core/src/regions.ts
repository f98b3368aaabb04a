/** The regions DBSS is offered in; a bucket's OBS `location` may be outside this list. */
export const DBSS_REGIONS = [
  'af-north-1',
  'af-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'cn-east-2',
  'cn-east-3',
  'cn-east-4',
  'cn-east-5',
  'cn-north-1',
  'cn-north-2',
  'cn-north-4',
  'cn-north-9',
  'cn-north-11',
  'cn-north-12',
  'cn-south-1',
  'cn-south-2',
  'cn-south-4',
  'cn-southwest-2',
  'cn-southwest-3',
  'la-north-2',
  'la-south-2',
  'me-east-1',
  'my-kualalumpur-1',
  'ru-moscow-1',
  'ru-northwest-2',
  'sa-brazil-1',
  'tr-west-1',
] as const;

export type DbssRegion = (typeof DBSS_REGIONS)[number];

const regionSet: ReadonlySet<string> = new Set(DBSS_REGIONS);

export function isDbssRegion(value: unknown): value is DbssRegion {
  return typeof value === 'string' && regionSet.has(value);
}

/** `https://dbss.{region}.myhuaweicloud.com` */
export function dbssEndpoint(region: DbssRegion): string {
  return `https://dbss.${region}.myhuaweicloud.com`;
}

/** `https://iam.{region}.myhuaweicloud.com` */
export function iamEndpoint(region: DbssRegion): string {
  return `https://iam.${region}.myhuaweicloud.com`;
}
